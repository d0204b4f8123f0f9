// frames_test.cpp — matching GCC's pretty function names (std::source_location under GCC)
// to weft-instrument's qualified names, so a go statement or a lock folds into its frame.
#include "frames.hpp"

#include <gtest/gtest.h>

namespace weft::det {
namespace {

TEST(FunctionNames, GccPrettyNamesReduceToQualifiedNames) {
  EXPECT_EQ(qualified_function_name("void program()"), "program");
  EXPECT_EQ(qualified_function_name("void weft_examples::bug_lost_update::run()"),
            "weft_examples::bug_lost_update::run");
  EXPECT_EQ(qualified_function_name(
                "int app::{anonymous}::fetch_with_timeout(weft::Duration)::<lambda()>"),
            "app::(anonymous namespace)::fetch_with_timeout::<lambda>");
  EXPECT_EQ(qualified_function_name("std::optional<std::__cxx11::basic_string<char> > "
                                    "kvcache::Shard::get(const std::string&, kvcache::Nanos)"),
            "kvcache::Shard::get");
  EXPECT_EQ(qualified_function_name("int kvcache::Shard::size() const"), "kvcache::Shard::size");
  EXPECT_EQ(qualified_function_name("void work(T) [with T = int]"), "work");
  EXPECT_EQ(qualified_function_name("void Holder<T>::sum() [with T = Base]"), "Holder::sum");
  EXPECT_EQ(qualified_function_name("main"), "main");  // already qualified (Clang, the tool)
}

TEST(FunctionNames, WhatCannotBeParsedMatchesNothing) {
  EXPECT_EQ(qualified_function_name("void f(int"), "");
  EXPECT_EQ(qualified_function_name("void f)("), "");
  EXPECT_EQ(qualified_function_name("bool operator<(A, B)"), "");  // unbalanced '<'
  EXPECT_FALSE(same_function_name("", ""));
  EXPECT_FALSE(same_function_name("f", ""));
}

TEST(FunctionNames, SameFunction) {
  EXPECT_TRUE(same_function_name("program", "program"));
  EXPECT_TRUE(same_function_name("program", "void program()"));
  EXPECT_TRUE(same_function_name("ns::(anonymous namespace)::f::<lambda>",
                                 "ns::{anonymous}::f()::<lambda()>"));
  EXPECT_FALSE(same_function_name("program", "void programme()"));
  EXPECT_FALSE(same_function_name("ns::f", "void other::f()"));
  EXPECT_FALSE(same_function_name("f::<lambda>", "void f()"));  // the lambda is not f
}

}  // namespace
}  // namespace weft::det
