#pragma once
// The image store's data root (default /var/lib/strata) and its layout:
//
//   blobs/sha256/<hex>    manifests and configs (and layer blobs while a pull unpacks them),
//                         each verified against its digest before it gets its name
//   layers/<hex>/diff     one unpacked layer per diff-id; layers/<hex>/size its byte count
//   l/<short>             short symlinks to layer dirs, for kernels without "lowerdir+"
//   containers/<id>/      one container: config.json, image.json, rootfs/, upper/, work/
//   tmp/                  staging: a failed import or pull leaves nothing elsewhere
//   index.json            images and tags, replaced atomically
//   gc.lock, index.lock   see lock(); tmp.lock, see clean_temps()
//
// Everything is added by rename from tmp/, so a reader never sees half a blob or half a layer.
// Each entry of tmp/ is flock()ed by the process that made it for as long as it lives, so that
// the next load, pull, rmi or prune removes what a killed one left (clean_temps) at once, while
// the entries of a concurrent import stay.

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::image {

// An flock()ed lock file, released when the object goes.
class FileLock {
public:
    FileLock() = default;
    explicit FileLock(UniqueFd fd) : m_fd(std::move(fd)) {}

private:
    UniqueFd m_fd;
};

// A directory under tmp/ removed (recursively) when the object goes, unless released.
class StagingDir {
public:
    StagingDir() = default;
    StagingDir(int tmp_dirfd, std::string name, std::string path, UniqueFd fd)
        : m_tmp(tmp_dirfd), m_name(std::move(name)), m_path(std::move(path)), m_fd(std::move(fd)) {}
    StagingDir(StagingDir&& o) noexcept;
    StagingDir& operator=(StagingDir&& o) noexcept;
    ~StagingDir();

    const std::string& name() const { return m_name; }  // relative to tmp/
    const std::string& path() const { return m_path; }
    int fd() const { return m_fd.get(); }  // O_RDONLY | O_DIRECTORY
    // The directory is no longer ours to remove (it was renamed into place).
    void release() { m_name.clear(); }

private:
    void remove();
    int m_tmp = -1;
    std::string m_name, m_path;
    UniqueFd m_fd;
};

// A file under tmp/, locked like a staging directory; the caller renames or unlinks it.
struct TempFile {
    std::string name;  // relative to tmp/
    UniqueFd fd;       // O_RDWR, flock()ed
};

class Store {
public:
    // Opens (creating on first use, mode 0700) the data root and its subdirectories.
    static Result<Store> open(const std::string& root);

    const std::string& root() const { return m_root; }
    int fd() const { return m_fd.get(); }
    int tmp_fd() const { return m_tmp.get(); }

    // Locks: "gc" is shared while content is added or a container is created from an image,
    // exclusive while rmi/prune remove anything; "index" is exclusive around each
    // read-modify-write of index.json. Each blocks until granted.
    Result<FileLock> lock(std::string_view name, bool exclusive) const;

    std::string blob_path(std::string_view digest) const;
    std::string layer_dir(std::string_view diff_id) const;  // layers/<hex>
    std::string layer_diff(std::string_view diff_id) const;  // layers/<hex>/diff
    std::string containers_dir() const { return m_root + "/containers"; }

    bool has_blob(std::string_view digest) const;
    bool has_layer(std::string_view diff_id) const;
    // A stored blob; `max` bounds what is read into memory.
    Result<std::string> read_blob(std::string_view digest, int64_t max) const;
    // Stores `data` as blob `digest` after checking that it hashes to it (nothing is written
    // otherwise). Present already: nothing to do.
    Result<> put_blob(std::string_view digest, std::string_view data) const;
    // Moves tmp/<name>, already verified, into place as blob `digest`.
    Result<> adopt_blob(const std::string& tmp_name, std::string_view digest) const;
    Result<> remove_blob(std::string_view digest) const;

    // A fresh directory under tmp/ named <prefix>.<random>.
    Result<StagingDir> staging(std::string_view prefix) const;
    Result<TempFile> temp_file(std::string_view prefix) const;
    // Removes the entries of tmp/ that no live process holds (left by a killed import, pull or
    // removal); returns how many. Called with the gc lock held (shared or exclusive).
    Result<int> clean_temps() const;
    // Makes l/<short> for a layer that is present (a layer whose link a killed commit or removal
    // did not make or already removed).
    Result<> ensure_link(std::string_view diff_id) const;
    // Moves a staged, verified layer directory into place as layers/<hex> and gives it a short
    // link. False if another import put the same layer there first (the staging dir is kept
    // for the caller to discard).
    Result<bool> commit_layer(StagingDir& staged, std::string_view diff_id) const;
    // syncfs(2) of the data root's filesystem: what was written is on disk before the renames
    // and the index that make it part of the store. Layers are trusted by name once stored and
    // never hashed again, so a layer torn by a crash must never get its name.
    Result<> sync() const;
    // The short link name (l/<name>) of a present layer.
    std::string layer_link(std::string_view diff_id) const;
    Result<> remove_layer(std::string_view diff_id) const;
    // Unpacked bytes of a present layer (0 if unknown).
    int64_t layer_size(std::string_view diff_id) const;

private:
    std::string m_root;
    UniqueFd m_fd, m_tmp;
};

// The names in dirfd/rel, without "." and "..".
Result<std::vector<std::string>> list_dir(int dirfd, const std::string& rel);

// A random lowercase hex string of `n` characters (getrandom).
std::string random_hex(size_t n);

}  // namespace strata::image
