// The image form of `run`: a container from an image in the store, on an OverlayFS of its
// layers, through the same runtime::run as a bundle.

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <iostream>

#include "base/log.h"
#include "base/strings.h"
#include "cli/image_run.h"
#include "image/container.h"
#include "image/store.h"
#include "runtime/container_dir.h"
#include "runtime/lifecycle.h"
#include "sys/file.h"
#include "sys/process.h"

namespace strata::cli {
namespace {

const char* const kImageOnly[] = {"--name", "--rm", "--env", "--volume", "--user", "--read-only",
                                  "--workdir", "--memory", "--cpus"};

// `run -d --rm`: nobody waits for the container, so a small process of its own does, and
// deletes it when its process exits (Podman has conmon for this).
void remove_when_exited(const std::string& root, const std::string& id) {
    auto st = runtime::peek_state(root, id);
    if (!st) return;
    pid_t child = ::fork();
    if (child != 0) return;
    ::setsid();
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(null, 2);
    }
    ::close_range(3, ~0U, 0);
    auto pidfd = sys::pidfd_open(st->pid);
    if (pidfd && sys::process_alive(st->pid, st->pid_start_time)) {
        pollfd p{pidfd->get(), POLLIN, 0};
        while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
        }
    }
    (void)runtime::remove(root, id, true);
    ::_exit(0);
}

}  // namespace

void add_image_run_flags(CLI::App* sub, ImageRunFlags& f) {
    sub->add_option("--name", f.name, "image form: the container's id (default: random)");
    sub->add_flag("--rm", f.rm, "image form: delete the container and its writable layer when it exits");
    sub->add_option("--env,-e", f.env, "image form: KEY=VALUE (or KEY: the caller's value)")->allow_extra_args(false);
    sub->add_option("--volume,-v", f.volumes, "image form: bind HOST:CONTAINER[:ro]")->allow_extra_args(false);
    sub->add_option("--user,-u", f.user, "image form: USER[:GROUP], names or ids");
    sub->add_flag("--read-only", f.read_only, "image form: read-only root filesystem");
    sub->add_option("--workdir,-w", f.workdir, "image form: working directory");
    sub->add_option("--memory,-m", f.memory, "image form: memory limit (e.g. 512m)");
    sub->add_option("--cpus", f.cpus, "image form: CPU limit (e.g. 1.5)");
}

bool image_run_flags_used(const CLI::App* sub) {
    for (const char* name : kImageOnly)
        if (sub->count(name) > 0) return true;
    return false;
}

Result<int> run_image(const Globals& g, const ImageRunFlags& f, const RunCommon& c,
                      const std::vector<std::string>& args) {
    const std::string& image_ref = args.at(0);
    image::Store store = STRATA_TRY(image::Store::open(g.data_root));
    image::PrepareOptions po;
    po.image = image_ref;
    po.id = f.name.empty() ? image::random_hex(12) : f.name;
    STRATA_TRY(runtime::validate_id(po.id));
    po.runtime_root = STRATA_TRY(sys::absolute(g.root));
    po.spec.command.assign(args.begin() + 1, args.end());
    po.spec.env = f.env;
    po.spec.volumes = f.volumes;
    po.spec.user = f.user;
    po.spec.workdir = f.workdir;
    po.spec.read_only = f.read_only;
    if (!f.memory.empty()) {
        auto bytes = parse_size(f.memory);
        if (!bytes) return error("--memory: bad size " + quote(f.memory));
        po.spec.memory = *bytes;
    }
    if (f.cpus != 0) po.spec.cpus = f.cpus;
    if (std::getenv("STRATA_IMAGE_LOWERDIR")) {  // for tests and bench: force one mount syntax
        std::string s = std::getenv("STRATA_IMAGE_LOWERDIR");
        po.lower_syntax = s == "short" ? image::LowerSyntax::short_paths : image::LowerSyntax::append;
    }
    auto prepared = image::prepare_container(store, po);
    if (!prepared) {
        if (prepared.error().code == ENOENT && args.size() == 1 && !sys::exists("config.json"))
            return wrap(prepared.error(), "run (image form; for a bundle, use -b or run in its directory)");
        return wrap(prepared.error(), "run " + image_ref);
    }
    log::debug("run " + po.id + ": overlay mounted in " + std::to_string(prepared->mount_ms) + " ms");

    runtime::RunOptions o;
    o.create.root = g.root;
    o.create.id = po.id;
    o.create.bundle = prepared->bundle;
    o.create.pid_file = c.pid_file;
    o.create.no_pivot = c.no_pivot;
    o.create.preserve_fds = c.preserve_fds;
    o.create.substrate = c.substrate;
    o.create.vm_kernel = c.vm_kernel;
    o.create.vm_backend = c.vm_backend;
    o.create.owned_mounts = {prepared->rootfs};
    o.create.owned_paths = {prepared->bundle};
    o.detach = c.detach;
    o.keep = !f.rm;
    auto status = runtime::run(o);
    // Once the runtime has saved the container's state, the mount and the directory are the
    // container's, released by `delete` (or by run itself with --rm); before that, ours.
    if (status || sys::exists(sys::path_join(o.create.root, po.id + "/state.json"))) prepared->release();
    if (!status) return std::unexpected(status.error());
    if (c.detach) std::cout << po.id << std::endl;
    if (c.detach && f.rm) remove_when_exited(g.root, po.id);
    return status;
}

}  // namespace strata::cli
