#include "netlink/message.h"

#include <linux/rtnetlink.h>

#include <gtest/gtest.h>

namespace strata::netlink {
namespace {

uint32_t u32_at(const std::string& b, size_t off) {
    uint32_t v;
    std::memcpy(&v, b.data() + off, 4);
    return v;
}
uint16_t u16_at(const std::string& b, size_t off) {
    uint16_t v;
    std::memcpy(&v, b.data() + off, 2);
    return v;
}

TEST(NetlinkMessage, HeaderLengthTracksEveryAppendAndAttributesAreAligned) {
    Message m(RTM_NEWLINK, 0);
    EXPECT_EQ(m.bytes().size(), NLMSG_HDRLEN);
    ifinfomsg ifi{};
    m.header(ifi);
    size_t after_header = m.bytes().size();
    EXPECT_EQ(after_header, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof ifi));
    m.attr_str(IFLA_IFNAME, "eth0");  // 4 + 5 bytes, padded to 12
    EXPECT_EQ(m.bytes().size(), after_header + 12);
    EXPECT_EQ(u16_at(m.bytes(), after_header), 9);  // nla_len excludes the padding
    EXPECT_EQ(u32_at(m.bytes(), 0), m.bytes().size());
    EXPECT_EQ(u16_at(m.bytes(), 6), NLM_F_REQUEST | NLM_F_ACK);
    EXPECT_EQ(m.type(), RTM_NEWLINK);
}

TEST(NetlinkMessage, NestedAttributesCoverTheirChildren) {
    Message m(RTM_NEWTFILTER, 0);
    size_t outer = m.begin_nest(2);
    m.attr_u32(1, 7);
    size_t inner = m.begin_nest(3);
    m.attr_str(1, "mirred");
    m.end_nest(inner);
    m.end_nest(outer);
    std::string_view body(m.bytes());
    body.remove_prefix(NLMSG_HDRLEN);
    auto top = parse_attrs(body);
    ASSERT_EQ(top.size(), 1u);
    EXPECT_EQ(top[0].type, 2);
    auto kids = parse_attrs(top[0].data);
    ASSERT_EQ(kids.size(), 2u);
    EXPECT_EQ(kids[0].u32(), 7u);
    auto grand = parse_attrs(kids[1].data);
    ASSERT_EQ(grand.size(), 1u);
    EXPECT_EQ(grand[0].str(), "mirred");
}

TEST(NetlinkMessage, MalformedAttributeLengthsEndTheList) {
    std::string bad = std::string("\x08\x00\x01\x00", 4) + "abcd" + std::string("\xff\x00\x02\x00", 4);
    auto attrs = parse_attrs(bad);
    ASSERT_EQ(attrs.size(), 1u);
    EXPECT_EQ(attrs[0].type, 1);
    EXPECT_TRUE(parse_attrs(std::string("\x02\x00\x01\x00", 4)).empty());  // shorter than its header
}

}  // namespace
}  // namespace strata::netlink
