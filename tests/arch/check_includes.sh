#!/usr/bin/env bash
# Keeps the module boundaries of DESIGN.md true:
#   engine/ includes no Lua, SDL or readline header; viz/ no engine or Lua header;
#   repl/ reaches the engine only through lua/ (no engine or viz header);
#   common/ (atomic_file.h) includes system headers only.
# And within lua/: no include circle among its headers; the aux layer
# (rec_aux.h) includes no other lua/ header, so no binding helper can call
# back up into the bindings; rec.c only opens (it defines nothing but
# luaopen_rec for other files to call).
top=$1
passed=0 failed=0
check() # folder, forbidden-pattern, what
{
    local hits
    hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($2)" "$top/$1" \
           --include='*.c' --include='*.h' 2>/dev/null)
    if [ -n "$hits" ]; then
        echo "$1/ must not include $3:"; echo "$hits"; failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
}
check engine 'lua|lauxlib|lualib|SDL|readline' "Lua, SDL or readline headers"
check viz 'lua|lauxlib|lualib|readline|tensor\.h|autograd|engine/|error\.h|interrupt\.h' \
      "Lua, readline or engine headers"
check repl 'SDL|tensor\.h|autograd|engine/|error\.h|interrupt\.h|vz_|viz' \
      "SDL, engine or viz headers"

# lua/: the header include graph has no circle (tsort reports a loop)
edges=""
for h in "$top"/lua/*.h; do
    for inc in $(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/p' "$h"); do
        [ -f "$top/lua/$inc" ] && edges="$edges $(basename "$h") $inc"
    done
done
if loop=$(echo "$edges" | tsort 2>&1 >/dev/null) && [ -z "$loop" ]; then
    passed=$((passed + 1))
else
    echo "lua/ headers include each other in a circle:"; echo "$loop"; failed=$((failed + 1))
fi
# lua/rec_aux.h: the bottom layer, including no other lua/ header
hits=$(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/p' \
       "$top/lua/rec_aux.h" | while read -r inc; do [ -f "$top/lua/$inc" ] && echo "$inc"; done)
if [ -n "$hits" ]; then
    echo "lua/rec_aux.h must include no other lua/ header:"; echo "$hits"; failed=$((failed + 1))
else
    passed=$((passed + 1))
fi
# lua/rec.c: only opens (no helper other files call back into)
hits=$(grep -nE '^[a-z][a-z_ ]*[ *]rec_[a-z_]+\(' "$top/lua/rec.c" | grep -vE 'luaopen_rec|:static ')
if [ -n "$hits" ]; then
    echo "lua/rec.c must define only luaopen_rec (helpers belong in rec_aux.c):"; echo "$hits"
    failed=$((failed + 1))
else
    passed=$((passed + 1))
fi
# The rules of the second half of the zoo (ARCHITECTURE.md, "Where each family lives").
# Each family folder may be absent until its family lands.
check_dir() # folder, forbidden-pattern, what (skipped when the folder does not exist yet)
{
    [ -d "$top/$1" ] || { passed=$((passed + 1)); return; }
    check "$@"
}
check_dir engine/data '\.\./models/|\.\./embed/|\.\./mf/|\.\./retrieval/|models/|embed/|mf/|retrieval/' \
      "models/, embed/, mf/ or retrieval/ headers (data is below every family)"
check_dir engine/embed '\.\./models/|models/' "models/ headers (word2vec and walks are not CTR models)"
check_dir engine/mf '\.\./models/|models/' "models/ headers (ALS is not a CTR model)"
check_dir engine/retrieval '\.\./models/([^l]|l[^a])|models/([^l]|l[^a])' \
      "models/ headers other than models/layers.h"
# the engine's shared core (loop, index, embeddings, ...) knows no family
hits=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"(models|embed|mf|retrieval)/' \
       "$top"/engine/*.c "$top"/engine/*.h 2>/dev/null)
if [ -n "$hits" ]; then
    echo "engine/*.c, *.h (the shared core) must not include a family's headers:"; echo "$hits"
    failed=$((failed + 1))
else
    passed=$((passed + 1))
fi
# no shared model code tests a kind: differences live in each kind's rn__kind
shared="model.c train.c io.c layers.c config.c batch.c from_dataset.c"
hits=""
for f in $shared; do
    [ -f "$top/engine/models/$f" ] || continue
    h=$(grep -nE 'kind[[:space:]]*[!=]=[[:space:]]*RN_MODEL_|case[[:space:]]+RN_MODEL_' \
        "$top/engine/models/$f")
    [ -n "$h" ] && hits="$hits$f: $h"$'\n'
done
if [ -n "$hits" ]; then
    echo "shared model code must not test a kind (put the difference in the kind's rn__kind):"
    echo "$hits"; failed=$((failed + 1))
else
    passed=$((passed + 1))
fi

# common/ (header-only helpers every layer includes) uses the C library and
# POSIX only: no project or third-party header at all.
check common 'lua|lauxlib|lualib|SDL|readline|cmark|cjson|[a-z_]+\.h"' \
      "anything but C library and POSIX headers"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
