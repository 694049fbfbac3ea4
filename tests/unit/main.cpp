// The one translation unit holding CAF's unit-test runner (it provides main).
#include "caf/test/unit_test_impl.hpp"
