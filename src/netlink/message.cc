#include "netlink/message.h"

namespace strata::netlink {

Message::Message(uint16_t type, uint16_t flags) {
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
    append(&h, sizeof h);
}

void Message::append(const void* data, size_t size) {
    m_buf.append(static_cast<const char*>(data), size);
    pad();
    update_len();
}

void Message::pad() { m_buf.resize(NLMSG_ALIGN(m_buf.size()), '\0'); }

void Message::update_len() {
    uint32_t len = static_cast<uint32_t>(m_buf.size());
    std::memcpy(m_buf.data() + offsetof(nlmsghdr, nlmsg_len), &len, sizeof len);
}

void Message::attr(uint16_t type, const void* data, size_t size) {
    nlattr a{};
    a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + size);
    a.nla_type = type;
    m_buf.append(reinterpret_cast<const char*>(&a), sizeof a);
    m_buf.resize(m_buf.size() + (NLA_HDRLEN - sizeof a), '\0');
    m_buf.append(static_cast<const char*>(data), size);
    pad();
    update_len();
}

void Message::attr_str(uint16_t type, std::string_view s) {
    std::string z(s);
    attr(type, z.c_str(), z.size() + 1);
}

size_t Message::begin_nest(uint16_t type) {
    size_t at = m_buf.size();
    // Without NLA_F_NESTED, as iproute2 sends them: older parsers of tc options expect that.
    attr(type, nullptr, 0);
    return at;
}

void Message::end_nest(size_t offset) {
    uint16_t len = static_cast<uint16_t>(m_buf.size() - offset);
    std::memcpy(m_buf.data() + offset + offsetof(nlattr, nla_len), &len, sizeof len);
}

uint16_t Message::type() const {
    uint16_t t;
    std::memcpy(&t, m_buf.data() + offsetof(nlmsghdr, nlmsg_type), sizeof t);
    return t;
}

void Message::set_seq(uint32_t seq) { std::memcpy(m_buf.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof seq); }

std::optional<uint32_t> Attr::u32() const {
    if (data.size() < 4) return std::nullopt;
    uint32_t v;
    std::memcpy(&v, data.data(), 4);
    return v;
}

std::string Attr::str() const {
    std::string_view s = data;
    while (!s.empty() && s.back() == '\0') s.remove_suffix(1);
    return std::string(s);
}

std::vector<Attr> parse_attrs(std::string_view data) {
    std::vector<Attr> out;
    while (data.size() >= NLA_HDRLEN) {
        nlattr a;
        std::memcpy(&a, data.data(), sizeof a);
        if (a.nla_len < NLA_HDRLEN || a.nla_len > data.size()) break;
        out.push_back({static_cast<uint16_t>(a.nla_type & NLA_TYPE_MASK), data.substr(NLA_HDRLEN, a.nla_len - NLA_HDRLEN)});
        size_t step = NLA_ALIGN(a.nla_len);
        if (step >= data.size()) break;
        data.remove_prefix(step);
    }
    return out;
}

const Attr* find_attr(const std::vector<Attr>& attrs, uint16_t type) {
    for (const auto& a : attrs)
        if (a.type == type) return &a;
    return nullptr;
}

}  // namespace strata::netlink
