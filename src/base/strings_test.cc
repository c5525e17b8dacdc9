#include "base/strings.h"

#include <gtest/gtest.h>

#include <ctime>
#include <regex>

#include "base/result.h"

namespace strata {
namespace {

TEST(Strings, SplitKeepsEmptyPieces) {
    EXPECT_EQ(split("a::b", ':'), (std::vector<std::string>{"a", "", "b"}));
    EXPECT_EQ(split_nonempty("/a//b/", '/'), (std::vector<std::string>{"a", "b"}));
}

TEST(Strings, Rfc3339NowIsUtcWithNanoseconds) {
    const time_t before = ::time(nullptr);
    const std::string s = rfc3339_now();
    ASSERT_TRUE(std::regex_match(s, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z)"))) << s;
    tm t{};
    gmtime_r(&before, &t);
    char date[48];
    std::snprintf(date, sizeof date, "%04d-%02d-%02d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday);
    EXPECT_EQ(s.substr(0, 10), date) << "a local date where UTC is meant? (TZ=" << (getenv("TZ") ? getenv("TZ") : "") << ")";
}

TEST(Strings, ParseIntRejectsJunkAndOverflow) {
    EXPECT_EQ(parse_int("-12"), -12);
    EXPECT_FALSE(parse_int("12x"));
    EXPECT_FALSE(parse_int(""));
    EXPECT_FALSE(parse_int("99999999999999999999"));
    EXPECT_FALSE(parse_uint("-1"));
}

TEST(Strings, ParseSizeUnderstandsBinaryUnits) {
    EXPECT_EQ(parse_size("1k"), 1024);
    EXPECT_EQ(parse_size("32M"), 32LL << 20);
    EXPECT_EQ(parse_size("2g"), 2LL << 30);
    EXPECT_EQ(parse_size("100"), 100);
    EXPECT_FALSE(parse_size("-1"));
    EXPECT_FALSE(parse_size("1q"));
    EXPECT_FALSE(parse_size("99999999999T"));
}

TEST(Strings, QuoteEscapesControlCharacters) {
    EXPECT_EQ(quote("a\"b\n"), "\"a\\\"b\\x0a\"");
}

TEST(Strings, EscapeControlsLeavesNoNewlineOrTerminalEscape) {
    // A guest log line that tries to forge a second line and to clear the reader's screen.
    std::string forged = "ok\nlevel=error msg=\"forged\"\x1b[2J\r\x7f\\";
    std::string out = escape_controls(forged);
    EXPECT_EQ(out, "ok\\x0alevel=error msg=\"forged\"\\x1b[2J\\x0d\\x7f\\\\");
    for (unsigned char c : out) EXPECT_TRUE(c >= 0x20 && c != 0x7f) << int(c);
    EXPECT_EQ(escape_controls("plain text, UTF-8 \u00e9"), "plain text, UTF-8 \u00e9");
}

TEST(Result, MessageNamesErrno) {
    Error e{EPERM, "mount proc on /proc"};
    EXPECT_EQ(e.message(), "mount proc on /proc: EPERM (Operation not permitted)");
    Error plain{0, "config.json: .process: missing"};
    EXPECT_EQ(plain.message(), "config.json: .process: missing");
}

Result<int> fails() { return os_error(ENOENT, "open x"); }
Result<int> passes_through() {
    int v = STRATA_TRY(with_context(fails(), "load"));
    return v + 1;
}

TEST(Result, TryPropagatesWithContext) {
    auto r = passes_through();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().context, "load: open x");
    EXPECT_EQ(r.error().code, ENOENT);
}

}  // namespace
}  // namespace strata
