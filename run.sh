#!/usr/bin/env bash
# Quick start: install what is missing, build, and start the recnote REPL.
# Arguments are passed to recnote (e.g. ./run.sh --headless, ./run.sh script.lua).
set -e
cd "$(dirname "$0")"
. scripts/deps.sh
recnote_deps build
recnote_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
exec ./build/recnote "$@"
