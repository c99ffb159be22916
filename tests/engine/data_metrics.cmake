# Tests of engine/metrics.* and engine/data/ (included from tests/engine/CMakeLists.txt).
recnote_c_test(test_engine_metrics test_metrics.c LIBS rn_engine)

# The AUC benchmark (not a test): build-dir/tests/engine/bench_auc [n], or
# tests/bench/bench_auc.py build-dir/tests/engine/bench_auc to compare with scikit-learn.
add_executable(bench_auc ${CMAKE_SOURCE_DIR}/tests/bench/bench_auc.c)
target_link_libraries(bench_auc PRIVATE rn_engine)
recnote_c_test(test_engine_data test_data.c LIBS rn_engine)

# The Lua tests of rec.metrics and rec.data again under a stock lua5.4 doing
# `require "rec"` on this build's rec.so (REC_LUA_ENV: tests/engine/CMakeLists.txt).
if(RECNOTE_LUA54)
    foreach(part metrics data)
        add_test(NAME lua54_${part}
                 COMMAND ${RECNOTE_LUA54} -e "package.cpath='${CMAKE_BINARY_DIR}/?.so;'..package.cpath"
                         ${CMAKE_SOURCE_DIR}/tests/lua/test_${part}.lua)
        set_tests_properties(lua54_${part} PROPERTIES ENVIRONMENT "${REC_LUA_ENV}")
    endforeach()
endif()
# bench_csv: recnote's side of tests/bench/bench_csv.py (CSV load, binary save and reload)
add_executable(bench_csv ${CMAKE_SOURCE_DIR}/tests/bench/bench_csv.c)
target_link_libraries(bench_csv PRIVATE rn_engine)
# The fast CSV path (history_of, two threads against one) and the binary columnar file
recnote_c_test(test_engine_columnar test_columnar.c LIBS rn_engine)
