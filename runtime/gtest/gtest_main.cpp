// main() for test binaries that link weft::gtest_main: GoogleTest, with the sharding of
// explored tests' iterations that weft::gtest::init takes over (weft/gtest.hpp).
#include "weft/gtest.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!weft::gtest::init(argc, argv)) return 2;
  return RUN_ALL_TESTS();
}
