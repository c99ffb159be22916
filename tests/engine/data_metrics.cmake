# Tests of engine/metrics.* and engine/data/ (included from tests/engine/CMakeLists.txt).
recnote_c_test(test_engine_metrics test_metrics.c LIBS rn_engine)

# The AUC benchmark (not a test): build-dir/tests/engine/bench_auc [n], or
# tests/bench/bench_auc.py build-dir/tests/engine/bench_auc to compare with scikit-learn.
add_executable(bench_auc ${CMAKE_SOURCE_DIR}/tests/bench/bench_auc.c)
target_link_libraries(bench_auc PRIVATE rn_engine)
recnote_c_test(test_engine_data test_data.c LIBS rn_engine)
