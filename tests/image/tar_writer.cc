#include "tests/image/tar_writer.h"

#include <cstdio>
#include <cstring>

namespace strata::test {
namespace {

// len-1 octal digits, zero-padded, then NUL (values that do not fit are a test bug).
void octal(char* field, size_t len, unsigned long long v) {
    for (size_t i = len - 1; i-- > 0; v >>= 3) field[i] = static_cast<char>('0' + (v & 7));
    field[len - 1] = '\0';
}

std::string pax_record(const std::string& key, const std::string& value) {
    // "%d %s=%s\n" where the length counts itself.
    size_t body = 1 + key.size() + 1 + value.size() + 1;
    size_t len = body + 1;
    while (std::to_string(len).size() + body != len) ++len;
    return std::to_string(len) + " " + key + "=" + value + "\n";
}

std::string header(const std::string& name, char type, size_t size, const std::string& link,
                   const TarWriter::Meta& m, unsigned major, unsigned minor) {
    char h[512] = {};
    std::memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
    octal(h + 100, 8, m.mode & 07777);
    octal(h + 108, 8, m.uid);
    octal(h + 116, 8, m.gid);
    octal(h + 124, 12, size);
    octal(h + 136, 12, static_cast<unsigned long long>(m.mtime));
    h[156] = type;
    std::memcpy(h + 157, link.data(), std::min<size_t>(link.size(), 100));
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
    octal(h + 329, 8, major);
    octal(h + 337, 8, minor);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(h + 148, 8, "%06o", sum);
    return std::string(h, 512);
}

std::string padded(const std::string& data) {
    std::string out = data;
    out.resize((data.size() + 511) / 512 * 512, '\0');
    return out;
}

}  // namespace

void TarWriter::entry(const std::string& path, char type, const std::string& data, const std::string& link,
                      const Meta& m, unsigned major, unsigned minor) {
    std::string pax;
    if (path.size() > 100) pax += pax_record("path", path);
    if (link.size() > 100) pax += pax_record("linkpath", link);
    for (const auto& [k, v] : m.xattrs) pax += pax_record("SCHILY.xattr." + k, v);
    if (!pax.empty()) {
        m_out += header("PaxHeader", 'x', pax.size(), "", Meta{}, 0, 0);
        m_out += padded(pax);
    }
    m_out += header(path, type, data.size(), link, m, major, minor);
    m_out += padded(data);
}

TarWriter& TarWriter::file(const std::string& path, const std::string& data, Meta m) {
    entry(path, '0', data, "", m);
    return *this;
}
TarWriter& TarWriter::dir(const std::string& path, Meta m) {
    entry(path.ends_with('/') ? path : path + "/", '5', "", "", m);
    return *this;
}
TarWriter& TarWriter::symlink(const std::string& path, const std::string& target, Meta m) {
    entry(path, '2', "", target, m);
    return *this;
}
TarWriter& TarWriter::hardlink(const std::string& path, const std::string& target) {
    entry(path, '1', "", target, Meta{});
    return *this;
}
TarWriter& TarWriter::chardev(const std::string& path, unsigned major, unsigned minor, Meta m) {
    entry(path, '3', "", "", m, major, minor);
    return *this;
}
TarWriter& TarWriter::fifo(const std::string& path, Meta m) {
    entry(path, '6', "", "", m);
    return *this;
}
TarWriter& TarWriter::whiteout(const std::string& path) {
    auto slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    return file(dir + ".wh." + base, "");
}
TarWriter& TarWriter::opaque(const std::string& dir) { return file(dir + "/.wh..wh..opq", ""); }

std::string TarWriter::finish() const { return m_out + std::string(1024, '\0'); }

}  // namespace strata::test
