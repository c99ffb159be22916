#!/usr/bin/env bash
# Installs the Debian packages recnote needs, only those that are missing,
# non-interactively, with sudo when not root. Sourced by run.sh and test.sh.
#
#   recnote_deps build   packages to build and run recnote
#   recnote_deps test    the above, plus what the test suite drives it with

RECNOTE_BUILD_PKGS=(
    gcc make cmake pkg-config          # toolchain
    liblua5.4-dev                      # the embedded language
    libreadline-dev                    # line editing, history, completion
    libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev   # figures, text, PNG
    libopenblas-dev                    # CBLAS for matrix products
    libcmark-dev                       # CommonMark parser for notebooks and lessons
    libcjson-dev                       # JSON headers of safetensors model files
)
RECNOTE_TEST_PKGS=(
    python3 python3-pexpect            # REPL tests through a pseudo-terminal
    lua5.4                             # start-up benchmark and `require "rec"` test
    python3-numpy                      # reads saved models (safetensors) in a test
    xvfb xauth x11-utils               # a real figure window, from C and from the REPL (xvfb-run needs xauth)
    librsvg2-bin                       # a second SVG renderer to check our SVG against
    python3-gensim                     # reads our word2vec files (rec.Embeddings:save) in a test
    python3-sklearn                    # the reference uAUC (roc_auc_score per user) in a test
    clang libclang-rt-dev              # clang's UBSan and libFuzzer (tests/fuzz/)
)

recnote_missing_pkgs()
{
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
            || printf '%s\n' "$p"
    done
}

recnote_deps()
{
    local pkgs=("${RECNOTE_BUILD_PKGS[@]}")
    [ "${1:-build}" = test ] && pkgs+=("${RECNOTE_TEST_PKGS[@]}")
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "recnote: this script installs Debian packages; install these by hand: ${pkgs[*]}" >&2
        return 0
    fi
    local missing
    mapfile -t missing < <(recnote_missing_pkgs "${pkgs[@]}")
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "recnote: missing packages (${missing[*]}) and no sudo; install them as root." >&2
            return 1
        fi
    fi
    echo "recnote: installing missing Debian packages: ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}" || return 1
}

# recnote_build DIR [cmake args...]: configure (once) and build into DIR.
recnote_build()
{
    local dir=$1
    shift
    local top
    top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    cmake -S "$top" -B "$top/$dir" "$@" >/dev/null || return 1
    cmake --build "$top/$dir" -j "$(nproc)" || return 1
}
