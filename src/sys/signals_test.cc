#include "sys/signals.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace strata::sys {
namespace {

TEST(Signals, ParsesNamesWithAndWithoutSigAndNumbers) {
    EXPECT_EQ(parse_signal("TERM"), SIGTERM);
    EXPECT_EQ(parse_signal("SIGKILL"), SIGKILL);
    EXPECT_EQ(parse_signal("sigkill"), SIGKILL);
    EXPECT_EQ(parse_signal("9"), SIGKILL);
    EXPECT_EQ(parse_signal("RTMIN+2"), SIGRTMIN + 2);
    EXPECT_EQ(parse_signal("SIGRTMAX-1"), SIGRTMAX - 1);
}

TEST(Signals, RejectsUnknown) {
    EXPECT_FALSE(parse_signal("FOO"));
    EXPECT_FALSE(parse_signal("0"));
    EXPECT_FALSE(parse_signal("999"));
    EXPECT_FALSE(parse_signal(""));
}

TEST(Signals, NamesRoundTrip) {
    EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
    EXPECT_EQ(signal_name(SIGRTMIN + 3), "SIGRTMIN+3");
}

}  // namespace
}  // namespace strata::sys
