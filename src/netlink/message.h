#pragma once
// rtnetlink messages: a builder for requests (header, family header, attributes, nested
// attributes) and a parser for the attributes of replies. Pure: no sockets (socket.h sends).

#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::netlink {

class Message {
public:
    // A request of `type` (RTM_*) with NLM_F_REQUEST | NLM_F_ACK | `flags`.
    Message(uint16_t type, uint16_t flags);

    // Appends the family header (ifinfomsg, ifaddrmsg, rtmsg, tcmsg): right after nlmsghdr.
    template <class T>
    void header(const T& h) { append(&h, sizeof h); }
    void attr(uint16_t type, const void* data, size_t size);
    void attr_u32(uint16_t type, uint32_t v) { attr(type, &v, sizeof v); }
    void attr_str(uint16_t type, std::string_view s);  // NUL-terminated, as the kernel expects
    // Opens a nested attribute; close it with end_nest(the returned offset).
    size_t begin_nest(uint16_t type);
    void end_nest(size_t offset);

    uint16_t type() const;
    void set_seq(uint32_t seq);
    const std::string& bytes() const { return m_buf; }

private:
    void append(const void* data, size_t size);
    void pad();
    void update_len();
    std::string m_buf;
};

// One attribute of a reply: its type (NLA_F_* bits cleared) and payload.
struct Attr {
    uint16_t type = 0;
    std::string_view data;
    std::optional<uint32_t> u32() const;
    std::string str() const;  // without the trailing NUL
};

// The attributes in `data` (a family header's tail, or a nested attribute's payload). Malformed
// lengths end the list: a reply the kernel built is well-formed, and nothing else is parsed.
std::vector<Attr> parse_attrs(std::string_view data);
// The first attribute of `type`, if any.
const Attr* find_attr(const std::vector<Attr>& attrs, uint16_t type);

}  // namespace strata::netlink
