#pragma once
// The members of an uncompressed tar file and where their data lies in it, so that an image
// archive (`podman save`, oci-archive) is read in place: each layer is a byte range of the one
// file, unpacked straight from there, never first copied out.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/result.h"
#include "image/layer_reader.h"

namespace strata::image {

class TarIndex {
public:
    // Reads the headers of the tar in `fd` (data is skipped with lseek, not read). Refuses
    // sparse members, whose bytes are not stored contiguously.
    static Result<TarIndex> scan(int fd, const std::string& what);

    // The data of regular member `path` ("./" and leading "/" ignored); symlinks and hard links
    // inside the archive are followed, up to 8 deep.
    Result<FileRange> find(std::string_view path) const;
    bool contains(std::string_view path) const { return find(path).has_value(); }

private:
    struct Member {
        char type = '0';  // '0' file, '1' hard link, '2' symlink, '5' directory
        int64_t offset = 0, size = 0;
        std::string link;
    };
    int m_fd = -1;
    std::string m_what;
    std::map<std::string, Member> m_members;
};

// "a/./b//c" -> "a/b/c"; ".." pops (never above the top). Member names are compared this way.
std::string clean_member_path(std::string_view p);

}  // namespace strata::image
