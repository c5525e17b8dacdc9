#include "vmm/devices/virtio/p9/wire.h"

#include <cstring>

namespace strata::vmm::p9 {
namespace {

template <class T>
T load_le(const uint8_t* p) {
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<T>(p[i]) << (8 * i));
    return v;
}

template <class T>
void store_le(std::vector<uint8_t>& out, T v) {
    for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

}  // namespace

bool Reader::take(size_t n) {
    if (m_failed || n > m_bytes.size() - m_pos) {
        m_failed = true;
        return false;
    }
    return true;
}

uint8_t Reader::u8() {
    if (!take(1)) return 0;
    return m_bytes[m_pos++];
}

uint16_t Reader::u16() {
    if (!take(2)) return 0;
    auto v = load_le<uint16_t>(&m_bytes[m_pos]);
    m_pos += 2;
    return v;
}

uint32_t Reader::u32() {
    if (!take(4)) return 0;
    auto v = load_le<uint32_t>(&m_bytes[m_pos]);
    m_pos += 4;
    return v;
}

uint64_t Reader::u64() {
    if (!take(8)) return 0;
    auto v = load_le<uint64_t>(&m_bytes[m_pos]);
    m_pos += 8;
    return v;
}

std::string Reader::str() {
    const uint16_t n = u16();
    auto b = bytes(n);
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

std::span<const uint8_t> Reader::bytes(size_t n) {
    if (!take(n)) return {};
    auto s = m_bytes.subspan(m_pos, n);
    m_pos += n;
    return s;
}

Writer::Writer(Type type, uint16_t tag) {
    m_out.reserve(64);
    store_le<uint32_t>(m_out, 0);
    m_out.push_back(type);
    store_le(m_out, tag);
}

Writer& Writer::u8(uint8_t v) {
    m_out.push_back(v);
    return *this;
}
Writer& Writer::u16(uint16_t v) {
    store_le(m_out, v);
    return *this;
}
Writer& Writer::u32(uint32_t v) {
    store_le(m_out, v);
    return *this;
}
Writer& Writer::u64(uint64_t v) {
    store_le(m_out, v);
    return *this;
}

Writer& Writer::str(std::string_view s) {
    const size_t n = std::min<size_t>(s.size(), 0xffff);
    u16(static_cast<uint16_t>(n));
    m_out.insert(m_out.end(), s.begin(), s.begin() + static_cast<ptrdiff_t>(n));
    return *this;
}

Writer& Writer::qid(const Qid& q) { return u8(q.type).u32(q.version).u64(q.path); }

Writer& Writer::bytes(std::span<const uint8_t> b) {
    m_out.insert(m_out.end(), b.begin(), b.end());
    return *this;
}

std::span<uint8_t> Writer::reserve(size_t n) {
    const size_t at = m_out.size();
    m_out.resize(at + n);
    return {m_out.data() + at, n};
}

std::vector<uint8_t> Writer::finish() {
    const auto size = static_cast<uint32_t>(m_out.size());
    for (size_t i = 0; i < 4; ++i) m_out[i] = static_cast<uint8_t>(size >> (8 * i));
    return std::move(m_out);
}

std::vector<uint8_t> lerror(uint16_t tag, int err) {
    return Writer(Rlerror, tag).u32(static_cast<uint32_t>(err)).finish();
}

}  // namespace strata::vmm::p9
