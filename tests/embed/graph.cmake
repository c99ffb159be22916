# tests of engine/embed's graphs and walks (included from tests/CMakeLists.txt).
recnote_c_test(test_embed_graph_walks ${CMAKE_CURRENT_LIST_DIR}/test_graph_walks.c LIBS rn_engine)
recnote_c_test(test_embed_graph_findings ${CMAKE_CURRENT_LIST_DIR}/test_graph_findings.c LIBS rn_engine)
recnote_c_test(test_embed_graph_panel ${CMAKE_CURRENT_LIST_DIR}/test_graph_panel.c LIBS vz)
target_include_directories(test_embed_graph_panel PRIVATE ${CMAKE_SOURCE_DIR}/tests/viz)
set_tests_properties(test_embed_graph_panel PROPERTIES
    ENVIRONMENT "RECNOTE_DATA_DIR=${CMAKE_SOURCE_DIR};SDL_VIDEODRIVER=dummy")
recnote_lua_test(test_embed_graph_lua ${CMAKE_CURRENT_LIST_DIR}/test_graph.lua)
