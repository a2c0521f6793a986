// Catch2's main for salix-unit.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
