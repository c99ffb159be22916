# tests of engine/embed's graphs and walks (included from tests/CMakeLists.txt).
recnote_c_test(test_embed_graph_walks ${CMAKE_CURRENT_LIST_DIR}/test_graph_walks.c LIBS rn_engine)
recnote_c_test(test_embed_graph_findings ${CMAKE_CURRENT_LIST_DIR}/test_graph_findings.c LIBS rn_engine)
