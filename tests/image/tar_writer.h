#pragma once
// Writes tar streams entry by entry (ustar, with pax headers for long names and xattrs), so a
// test can make exactly the layer it needs: whiteouts, hard links, devices, hostile paths.

#include <sys/types.h>

#include <map>
#include <string>

namespace strata::test {

// Outside the class: GCC cannot use a nested struct's member initializers in default arguments
// of the enclosing class.
struct TarMeta {
    mode_t mode = 0644;
    uid_t uid = 0;
    gid_t gid = 0;
    long mtime = 1700000000;
    std::map<std::string, std::string> xattrs;
};

class TarWriter {
public:
    using Meta = TarMeta;
    TarWriter& file(const std::string& path, const std::string& data, Meta m = {});
    TarWriter& dir(const std::string& path, Meta m = {.mode = 0755});
    TarWriter& symlink(const std::string& path, const std::string& target, Meta m = {.mode = 0777});
    TarWriter& hardlink(const std::string& path, const std::string& target);
    TarWriter& chardev(const std::string& path, unsigned major, unsigned minor, Meta m = {.mode = 0666});
    TarWriter& fifo(const std::string& path, Meta m = {.mode = 0644});
    // ".wh.NAME" beside NAME, and the opaque marker inside a directory.
    TarWriter& whiteout(const std::string& path);
    TarWriter& opaque(const std::string& dir);
    // The stream with its two end-of-archive blocks.
    std::string finish() const;

private:
    void entry(const std::string& path, char type, const std::string& data, const std::string& link, const Meta& m,
               unsigned major = 0, unsigned minor = 0);
    std::string m_out;
};

}  // namespace strata::test
