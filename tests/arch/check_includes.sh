#!/usr/bin/env bash
# Keeps the module boundaries of DESIGN.md true:
#   engine/ includes no Lua, SDL or readline header; viz/ no engine or Lua header;
#   repl/ reaches the engine only through lua/ (no engine or viz header);
#   common/ (atomic_file.h) includes system headers only.
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
# common/ (header-only helpers every layer includes) uses the C library and
# POSIX only: no project or third-party header at all.
check common 'lua|lauxlib|lualib|SDL|readline|cmark|cjson|[a-z_]+\.h"' \
      "anything but C library and POSIX headers"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
