#include "vm/assets/cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "base/strings.h"
#include "sys/file.h"

namespace strata::vm {

std::string cache_root() {
    const char* env = std::getenv("STRATA_CACHE_DIR");
    return env && *env ? std::string(env) : std::string("/var/cache/strata");
}

std::string cache_dir(std::string_view kind) { return cache_root() + "/" + std::string(kind); }

namespace {

constexpr const char* kTempPrefix = ".tmp-";

// A builder killed half-way (its process killed during `create`) leaves its temp files: dot
// files, which pruning skips. None is an hour old unless its builder is gone.
void remove_abandoned_builds(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    time_t cutoff = std::time(nullptr) - 3600;
    while (dirent* e = ::readdir(d)) {
        struct stat st{};
        if (std::string_view(e->d_name).starts_with(kTempPrefix) && ::fstatat(::dirfd(d), e->d_name, &st, 0) == 0 &&
            st.st_mtime < cutoff)
            ::unlinkat(::dirfd(d), e->d_name, 0);
    }
    ::closedir(d);
}

}  // namespace

Result<std::string> cached(std::string_view kind, const std::string& name,
                           const std::function<Result<>(const std::string& temp)>& build,
                           std::optional<CacheBudget> budget, bool* built) {
    std::string dir = cache_dir(kind);
    std::string path = dir + "/" + name;
    if (built) *built = false;
    if (::utimensat(AT_FDCWD, path.c_str(), nullptr, 0) == 0) return path;
    if (errno != ENOENT) return os_error(errno, "use cache entry " + quote(path));
    STRATA_TRY(sys::mkdir_all(dir, 0755));
    remove_abandoned_builds(dir);
    std::string temp = dir + "/" + kTempPrefix + std::to_string(::getpid()) + "-" + name;
    auto r = build(temp);
    if (!r) {
        ::unlink(temp.c_str());
        return std::unexpected(r.error());
    }
    if (::rename(temp.c_str(), path.c_str()) < 0) {
        int err = errno;
        ::unlink(temp.c_str());
        return os_error(err, "add " + quote(path) + " to the cache");
    }
    if (built) *built = true;
    if (budget) prune(kind, budget->keep, budget->max_bytes);
    return path;
}

void prune(std::string_view kind, size_t keep, uint64_t max_bytes, long min_age_s) {
    std::string dir = cache_dir(kind);
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    struct Entry {
        time_t used;
        uint64_t bytes;
        std::string name;
    };
    std::vector<Entry> entries;
    while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        struct stat st{};
        if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            entries.push_back({st.st_mtime, uint64_t(st.st_blocks) * 512, e->d_name});
    }
    ::closedir(d);
    std::sort(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.used > b.used; });
    time_t cutoff = std::time(nullptr) - min_age_s;
    uint64_t total = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        total += entries[i].bytes;
        if ((i >= keep || total > max_bytes) && entries[i].used < cutoff)
            ::unlink((dir + "/" + entries[i].name).c_str());
    }
}

}  // namespace strata::vm
