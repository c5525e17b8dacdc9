#include "image/container.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include "base/strings.h"
#include "image/index.h"
#include "image/oci.h"
#include "sys/file.h"

namespace strata::image {

using json = nlohmann::json;

namespace {

// The image's content is not trusted: paths inside its rootfs resolve as if it were "/".
constexpr uint64_t kInRoot = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;

// A small regular file of the image (an /etc/passwd that is a FIFO must not hang `run`).
std::string read_in_root(int root, const std::string& path) {
    auto fd = sys::openat2(root, path, O_RDONLY | O_NONBLOCK, kInRoot);
    if (!fd) return "";
    auto st = sys::fstat(fd->get(), path);
    if (!st || !S_ISREG(st->st_mode) || st->st_size > (1 << 20)) return "";
    return sys::read_all(fd->get(), path).value_or("");
}

// mkdir -p of `path` inside the rootfs (the working directory must exist for the exec).
Result<> mkdir_in_root(int root, const std::string& path) {
    std::string prefix;
    for (const auto& c : split_nonempty(path, '/')) {
        std::string parent = prefix.empty() ? "." : prefix;
        prefix += (prefix.empty() ? "" : "/") + c;
        auto fd = sys::openat2(root, prefix, O_PATH | O_DIRECTORY, kInRoot);
        if (fd) continue;
        if (fd.error().code != ENOENT) return wrap(fd.error(), "working directory " + quote(path));
        UniqueFd p = STRATA_TRY(sys::openat2(root, parent, O_PATH | O_DIRECTORY, kInRoot));
        if (::mkdirat(p.get(), c.c_str(), 0755) < 0 && errno != EEXIST)
            return os_error(errno, "create working directory " + quote(path));
    }
    return {};
}

json ref_json(const ContainerRef& r) {
    return {{"id", r.id},           {"image", r.image},       {"manifest", r.manifest},
            {"config", r.config},   {"layers", r.diff_ids},   {"runtimeRoot", r.runtime_root}};
}

Result<ContainerRef> parse_ref(const std::string& text, const std::string& where) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return error(where + ": corrupt");
    ContainerRef r;
    try {
        r.id = j.at("id").get<std::string>();
        r.image = j.value("image", std::string());
        r.manifest = j.value("manifest", std::string());
        r.config = j.value("config", std::string());
        r.diff_ids = j.value("layers", std::vector<std::string>{});
        r.runtime_root = j.value("runtimeRoot", std::string());
    } catch (const json::exception& e) {
        return error(where + ": corrupt: " + e.what());
    }
    return r;
}

}  // namespace

PreparedContainer::PreparedContainer(PreparedContainer&& o) noexcept
    : id(std::move(o.id)), bundle(std::move(o.bundle)), rootfs(std::move(o.rootfs)),
      image_name(std::move(o.image_name)), mount_ms(o.mount_ms), m_armed(std::exchange(o.m_armed, false)),
      m_lock(std::move(o.m_lock)) {}

PreparedContainer::~PreparedContainer() {
    if (!m_armed) return;
    ::umount2(rootfs.c_str(), MNT_DETACH);
    (void)sys::remove_tree(bundle);
}

void PreparedContainer::release() {
    m_armed = false;
    m_lock.reset();
}

Result<PreparedContainer> prepare_container(const Store& store, const PrepareOptions& opts) {
    // Shared with other runs and imports; rmi and prune wait until image.json below exists.
    FileLock gc = STRATA_TRY(store.lock("gc", false));
    Index index = STRATA_TRY(load_index(store));
    const ImageRecord* img = STRATA_TRY(index.find(opts.image));
    for (const auto& d : img->diff_ids)
        if (!store.has_layer(d)) return error("image " + quote(opts.image) + ": layer " + d + " is missing from the store");
    ImageConfig cfg = STRATA_TRY(parse_image_config(STRATA_TRY(store.read_blob(img->config, kMaxDocumentSize)),
                                                    "config " + img->config));
    std::vector<std::string> names = index.names_of(img->manifest);
    std::string tag = index.find_tag(opts.image);

    PreparedContainer pc;
    pc.id = opts.id;
    pc.bundle = store.containers_dir() + "/" + opts.id;
    pc.rootfs = pc.bundle + "/rootfs";
    pc.image_name = !tag.empty() ? tag : !names.empty() ? names.front() : img->id().substr(0, 12);
    if (::mkdir(pc.bundle.c_str(), 0700) < 0) {
        if (errno == EEXIST) return error("container " + quote(opts.id) + " already exists in " + quote(store.containers_dir()));
        return os_error(errno, "create " + quote(pc.bundle));
    }
    pc.m_armed = true;
    UniqueFd dir = STRATA_TRY(sys::open(pc.bundle, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    ContainerRef ref{opts.id, pc.image_name, img->manifest, img->config, img->diff_ids, opts.runtime_root};
    STRATA_TRY(sys::write_file_atomic(dir.get(), "image.json", ref_json(ref).dump() + "\n", 0600));
    pc.m_lock = STRATA_TRY(sys::openat(dir.get(), "image.json", O_RDONLY));
    if (::flock(pc.m_lock.get(), LOCK_EX) < 0) return os_error(errno, "lock " + quote(pc.bundle + "/image.json"));
    gc = FileLock();  // image.json now keeps the image's content in place

    for (const char* d : {"upper", "work", "rootfs"}) STRATA_TRY(sys::mkdirat(dir.get(), d, 0755));
    OverlaySpec ov{img->diff_ids, pc.bundle + "/upper", pc.bundle + "/work", pc.rootfs};
    auto t0 = std::chrono::steady_clock::now();
    STRATA_TRY(mount_overlay(store, ov, opts.lower_syntax));
    pc.mount_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

    UniqueFd root = STRATA_TRY(sys::open(pc.rootfs, O_PATH | O_DIRECTORY));
    RunSpecOptions so = opts.spec;
    so.image_name = pc.image_name;
    so.image_id = img->id();
    if (so.hostname.empty()) so.hostname = opts.id.substr(0, 63);
    so.identity_dir = pc.bundle;
    auto host_resolv = sys::read_file("/etc/resolv.conf");
    STRATA_TRY(sys::write_file_atomic(dir.get(), "hosts", hosts_file(so.hostname), 0644));
    STRATA_TRY(sys::write_file_atomic(dir.get(), "hostname", so.hostname + "\n", 0644));
    STRATA_TRY(sys::write_file_atomic(dir.get(), "resolv.conf", container_resolv_conf(host_resolv.value_or("")), 0644));
    std::string user = effective_user(cfg.config, so);
    UserIds ids;
    if (!user.empty())
        ids = STRATA_TRY(resolve_user(user, read_in_root(root.get(), "/etc/passwd"), read_in_root(root.get(), "/etc/group")));
    STRATA_TRY(mkdir_in_root(root.get(), effective_workdir(cfg.config, so)));
    json spec = STRATA_TRY(container_spec(cfg.config, so, ids));
    STRATA_TRY(sys::write_file_atomic(dir.get(), "config.json", spec.dump(1, '\t') + "\n", 0600));
    return pc;
}

Result<std::vector<ContainerRef>> container_refs(const Store& store) {
    std::vector<ContainerRef> out;
    UniqueFd dir = STRATA_TRY(sys::open(store.containers_dir(), O_RDONLY | O_DIRECTORY));
    std::vector<std::string> names = STRATA_TRY(list_dir(dir.get(), "."));
    for (const auto& n : names) {
        auto text = sys::read_file_at(dir.get(), n + "/image.json");
        if (!text) {
            // Being created right now (image.json is its first file), or a wreck: either way it
            // may use anything, so it is reported with no content and prune leaves it alone.
            out.push_back(ContainerRef{.id = n});
            continue;
        }
        out.push_back(STRATA_TRY(parse_ref(*text, store.containers_dir() + "/" + n + "/image.json")));
    }
    return out;
}

bool container_orphaned(const Store& store, const ContainerRef& ref) {
    if (ref.runtime_root.empty() || ref.manifest.empty()) return false;
    if (sys::exists(ref.runtime_root + "/" + ref.id + "/state.json") || sys::exists(ref.runtime_root + "/" + ref.id)) return false;
    auto fd = sys::open(store.containers_dir() + "/" + ref.id + "/image.json", O_RDONLY);
    if (!fd) return false;
    // Held by the strata process that prepared it until the runtime has taken it over.
    return ::flock(fd->get(), LOCK_EX | LOCK_NB) == 0;
}

Result<> remove_container_dir(const Store& store, const std::string& id) {
    std::string bundle = store.containers_dir() + "/" + id;
    if (::umount2((bundle + "/rootfs").c_str(), MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        return os_error(errno, "detach " + quote(bundle + "/rootfs"));
    return sys::remove_tree(bundle);
}

}  // namespace strata::image
