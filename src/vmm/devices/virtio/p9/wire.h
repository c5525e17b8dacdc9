#pragma once
// The 9P2000.L wire format: little-endian integers, strings as a 16-bit length and bytes, qids of
// 13 bytes, and the message numbers this server speaks. Facts from the protocol as Linux's v9fs
// client speaks it (include/net/9p/9p.h); no other project's code.
//
// Reader never reads past its span: a short or malformed message sets a sticky failure that the
// server answers with EPROTO (Rlerror), not a crash.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace strata::vmm::p9 {

enum Type : uint8_t {
    Rlerror = 7,
    Tstatfs = 8, Rstatfs,
    Tlopen = 12, Rlopen,
    Tlcreate = 14, Rlcreate,
    Tsymlink = 16, Rsymlink,
    Tmknod = 18, Rmknod,
    Trename = 20, Rrename,
    Treadlink = 22, Rreadlink,
    Tgetattr = 24, Rgetattr,
    Tsetattr = 26, Rsetattr,
    Txattrwalk = 30, Rxattrwalk,
    Txattrcreate = 32, Rxattrcreate,
    Treaddir = 40, Rreaddir,
    Tfsync = 50, Rfsync,
    Tlock = 52, Rlock,
    Tgetlock = 54, Rgetlock,
    Tlink = 70, Rlink,
    Tmkdir = 72, Rmkdir,
    Trenameat = 74, Rrenameat,
    Tunlinkat = 76, Runlinkat,
    Tversion = 100, Rversion,
    Tauth = 102, Rauth,
    Tattach = 104, Rattach,
    Tflush = 108, Rflush,
    Twalk = 110, Rwalk,
    Tread = 116, Rread,
    Twrite = 118, Rwrite,
    Tclunk = 120, Rclunk,
    Tremove = 122, Rremove,
};

inline constexpr uint32_t no_fid = 0xffffffff;
inline constexpr uint16_t no_tag = 0xffff;
inline constexpr size_t header_size = 7;       // size[4] type[1] tag[2]
inline constexpr size_t io_header_size = 11;   // Rread: header + count[4]
inline constexpr size_t write_header_size = 23; // Twrite: header + fid[4] offset[8] count[4]
inline constexpr size_t max_walk_names = 16;   // the protocol's limit per Twalk
inline constexpr std::string_view version_l = "9P2000.L";

// Qid types (the high byte of a Plan 9 mode).
inline constexpr uint8_t qt_dir = 0x80, qt_symlink = 0x02, qt_file = 0x00;

struct Qid {
    uint8_t type = 0;
    uint32_t version = 0;
    uint64_t path = 0;
};
inline constexpr size_t qid_size = 13;

// Tsetattr's valid bits.
inline constexpr uint32_t attr_mode = 1, attr_uid = 2, attr_gid = 4, attr_size = 8, attr_atime = 16,
                          attr_mtime = 32, attr_ctime = 64, attr_atime_set = 128, attr_mtime_set = 256;
// Rgetattr's valid mask: the basic fields (mode ... blocks), which every answer carries.
inline constexpr uint64_t getattr_basic = 0x7ff;
// Rlock's status.
inline constexpr uint8_t lock_success = 0;
// Tlock/Tgetlock's type: unlocked.
inline constexpr uint8_t lock_type_unlck = 2;

class Reader {
public:
    explicit Reader(std::span<const uint8_t> bytes) : m_bytes(bytes) {}

    uint8_t u8();
    uint16_t u16();
    uint32_t u32();
    uint64_t u64();
    std::string str();
    // The next n bytes, without copying (empty and failed if fewer remain).
    std::span<const uint8_t> bytes(size_t n);

    // True once anything was read past the end.
    bool failed() const { return m_failed; }
    size_t remaining() const { return m_bytes.size() - m_pos; }

private:
    bool take(size_t n);
    std::span<const uint8_t> m_bytes;
    size_t m_pos = 0;
    bool m_failed = false;
};

// Builds one R-message: header() first, then fields, then finish() patches the size.
class Writer {
public:
    Writer(Type type, uint16_t tag);

    Writer& u8(uint8_t v);
    Writer& u16(uint16_t v);
    Writer& u32(uint32_t v);
    Writer& u64(uint64_t v);
    Writer& str(std::string_view s);
    Writer& qid(const Qid& q);
    Writer& bytes(std::span<const uint8_t> b);
    // Room for n bytes to be filled in place (Rread's data), returned as a span.
    std::span<uint8_t> reserve(size_t n);
    // Gives back the unused tail of the last reserve().
    void shrink_to(size_t size) { m_out.resize(size); }
    size_t size() const { return m_out.size(); }

    // Patches the size field and hands the message over (the Writer is empty after).
    std::vector<uint8_t> finish();

private:
    std::vector<uint8_t> m_out;
};

// Rlerror for `tag` with a Linux errno (9P2000.L's error codes are Linux's).
std::vector<uint8_t> lerror(uint16_t tag, int err);

}  // namespace strata::vmm::p9
