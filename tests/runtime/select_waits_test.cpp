// select_waits_test.cpp — deadlock and leak dumps name every channel a goroutine blocked in
// select waits on, with each channel's creation site and the case's direction (issue 13,
// "Reports a person can act on"), in the text report and in the failure's fields and JSON.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <source_location>
#include <string>

#include "weft/gtest.hpp"
#include "weft/weft.hpp"

namespace select_waits_test {  // this file's names, apart from the other tests' in a unity build

namespace {

std::string place(const std::source_location& l) {
  return std::string(l.file_name()) + ":" + std::to_string(l.line()) + ":";
}

TEST(SelectWaits, ADeadlockedSelectListsEachChannelWithItsCreationSite) {
  std::source_location in_made, out_made, blocked;
  auto r = weft::explore([&] {
    in_made = std::source_location::current(); auto in = weft::make_chan<int>();
    out_made = std::source_location::current(); auto out = weft::make_chan<int>();
    blocked = std::source_location::current(); weft::select(weft::recv_case(in, [](int) {}), weft::send_case(out, 1, [] {}));
  }, weft::gtest::isolated(3));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::deadlock) << r;
  const std::string& text = r.failure->report;
  const auto recv_line = text.find("    case receive from a channel made at " + place(in_made));
  const auto send_line = text.find("    case send to a channel made at " + place(out_made));
  EXPECT_NE(recv_line, std::string::npos) << text;
  EXPECT_NE(send_line, std::string::npos) << text;
  EXPECT_LT(recv_line, send_line) << "cases are listed in the select's order\n" << text;
  EXPECT_NE(text.find("goroutine 1 [select]:\n    blocked at " + place(blocked)),
            std::string::npos)
      << text;

  ASSERT_EQ(r.failure->goroutines.size(), 1u);
  const weft::FailureGoroutine& g = r.failure->goroutines[0];
  ASSERT_EQ(g.select_waits.size(), 2u);
  EXPECT_FALSE(g.select_waits[0].send);
  EXPECT_EQ(g.select_waits[0].channel_created_at.line, in_made.line());
  EXPECT_TRUE(g.select_waits[1].send);
  EXPECT_EQ(g.select_waits[1].channel_created_at.line, out_made.line());

  const nlohmann::json j = nlohmann::json::parse(r.to_json());
  const nlohmann::json& waits = j["failure"]["goroutines"][0]["select_waits"];
  ASSERT_EQ(waits.size(), 2u) << j.dump(2);
  EXPECT_EQ(waits[0]["op"], "receive");
  EXPECT_EQ(waits[0]["channel_created_at"][0]["line"], in_made.line());
  EXPECT_EQ(waits[1]["op"], "send");
  EXPECT_EQ(waits[1]["channel_created_at"][0]["line"], out_made.line());
}

TEST(SelectWaits, ALeakedSelectListsItsChannelsAndASingleReceiveDoesNot) {
  std::source_location a_made, b_made;
  auto r = weft::explore([&] {
    a_made = std::source_location::current(); auto a = weft::make_chan<int>();
    b_made = std::source_location::current(); auto b = weft::make_chan<int>();
    weft::go([a, b] {
      weft::select(weft::recv_case(a, [](int) {}), weft::recv_case(b, [](int) {}));
    });
    weft::go([a] { a.recv(); });
  }, weft::gtest::isolated(3));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::leak) << r;
  std::size_t selects = 0;
  for (const weft::FailureGoroutine& g : r.failure->goroutines) {
    if (g.wait == "select") {
      ++selects;
      ASSERT_EQ(g.select_waits.size(), 2u);
      EXPECT_EQ(g.select_waits[0].channel_created_at.line, a_made.line());
      EXPECT_EQ(g.select_waits[1].channel_created_at.line, b_made.line());
    } else {
      EXPECT_TRUE(g.select_waits.empty()) << g.wait;  // a plain receive: channel_created_at
      EXPECT_EQ(g.channel_created_at.size(), 1u) << g.wait;
    }
  }
  EXPECT_EQ(selects, 1u) << r;
}

}  // namespace

}  // namespace select_waits_test
