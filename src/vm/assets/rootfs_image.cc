#include "vm/assets/rootfs_image.h"

#include "base/strings.h"
#include "crypto/sha256.h"
#include "vm/assets/cache.h"
#include "vm/assets/spawn.h"
#include "vm/assets/tree.h"

namespace strata::vm {

Result<RootfsDigest> digest_rootfs(const std::string& dir) {
    RootfsDigest d;
    crypto::Sha256 h = STRATA_TRY(crypto::Sha256::create());
    h.update("strata-rootfs-digest-v1\n");
    STRATA_TRY(walk_tree(dir, [&](const TreeEntry& e) -> Result<> {
        const struct stat& st = e.st;
        std::string line = e.path;
        line += '\0';
        for (uint64_t v : {uint64_t(st.st_mode), uint64_t(st.st_uid), uint64_t(st.st_gid), uint64_t(st.st_size),
                           uint64_t(st.st_mtim.tv_sec), uint64_t(st.st_mtim.tv_nsec), uint64_t(st.st_ctim.tv_sec),
                           uint64_t(st.st_ctim.tv_nsec), uint64_t(st.st_ino), uint64_t(st.st_dev), uint64_t(st.st_rdev)})
            line += std::to_string(v) + " ";
        if (S_ISLNK(st.st_mode)) line += STRATA_TRY(link_target(e));
        line += '\n';
        h.update(line);
        if (S_ISREG(st.st_mode)) d.bytes += uint64_t(st.st_size);
        ++d.entries;
        return {};
    }));
    d.key = h.hex();
    return d;
}

Result<std::string> erofs_image(const std::string& dir, const RootfsDigest& digest) {
    // The options are part of the key: another layout is another image.
    static const std::vector<std::string> kOptions = {"--quiet", "-x1"};
    std::string key = STRATA_TRY(crypto::sha256_hex("erofs\n" + join(kOptions, " ") + "\n" + digest.key)).substr(0, 32);
    auto path = cached("erofs", key + ".erofs", [&](const std::string& temp) -> Result<> {
        std::vector<std::string> argv = {"mkfs.erofs"};
        argv.insert(argv.end(), kOptions.begin(), kOptions.end());
        argv.push_back(temp);
        argv.push_back(dir);
        return with_context(run_program(argv), "pack the rootfs into an erofs image (apt-get install erofs-utils)");
    }, CacheBudget{64, 8ull << 30});
    return path;
}

}  // namespace strata::vm
