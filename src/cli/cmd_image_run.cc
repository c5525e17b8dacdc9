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
#include "image/index.h"
#include "image/pull.h"
#include "image/reference.h"
#include "image/store.h"
#include "runtime/container_dir.h"
#include "runtime/lifecycle.h"
#include "sys/file.h"
#include "sys/process.h"

namespace strata::cli {
namespace {

const char* const kImageOnly[] = {"--name",    "--rm",     "--env",  "--volume", "--user",
                                  "--read-only", "--workdir", "--memory", "--cpus", "--tty",
                                  "--interactive", "--pull", "--tls-verify"};

// Podman's --pull policy before a run: "missing" pulls an image the store lacks (a name, not an
// ID: an ID cannot be pulled), "always" pulls first, "never" uses only the store.
Result<> pull_for_run(const image::Store& store, const ImageRunFlags& f, const std::string& ref) {
    if (f.pull == "never") return {};
    if (f.pull == "missing") {
        image::Index index = STRATA_TRY(image::load_index(store));
        if (index.find(ref) || image::looks_like_id(ref)) return {};
    }
    image::PullOptions o;
    o.reference = ref;
    o.client.tls_verify = f.tls_verify;
    o.tty = ::isatty(2);
    o.out = [](const std::string& s) { std::cerr << s << std::flush; };
    std::cerr << "Pulling " << ref << "\n";
    auto pulled = image::pull(store, o);
    if (!pulled) return wrap(pulled.error(), f.pull == "missing" ? "the image is not in the store; pull" : "pull");
    return {};
}

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
    sub->add_flag("--tty,-t", f.tty, "image form: a pseudo-terminal for the process (on this terminal)");
    sub->add_flag("--interactive,-i", f.interactive, "image form: keep stdin (otherwise /dev/null, as in Podman)");
    sub->add_option("--pull", f.pull, "image form: missing (default), always or never")
        ->check(CLI::IsMember({"missing", "always", "never"}));
    sub->add_option("--tls-verify", f.tls_verify, "image form: verify the registry's certificate when pulling");
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
    if (auto pulled = pull_for_run(store, f, image_ref); !pulled) return wrap(pulled.error(), "run " + image_ref);
    if (f.tty && c.detach) return error("run: -t with -d: nothing would hold the terminal (the bundle form takes --console-socket)");
    if (!f.interactive && !f.tty && !c.detach) {
        // Podman gives a container stdin only with -i; without it, `run IMAGE cat` ends at once.
        UniqueFd null = STRATA_TRY(sys::open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (::dup2(null.get(), 0) < 0) return os_error(errno, "redirect stdin to /dev/null");
    }
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
    po.spec.terminal = f.tty;
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
    o.create.vm_template = c.vm_template;
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
