// create, start, state, kill, delete, run: the OCI lifecycle with runc's flags.

#include <cstdlib>
#include <iostream>

#include "base/strings.h"
#include "cli/command.h"
#include "cli/image_run.h"
#include "runtime/lifecycle.h"
#include "sys/file.h"
#include "sys/signals.h"

namespace strata::cli {
namespace {

struct CreateFlags {
    std::string id, bundle, pid_file, console_socket, substrate, vm_kernel, vm_backend, vm_template;
    bool no_pivot = false, no_new_keyring = false;
    int preserve_fds = 0;
};

void add_create_flags(CLI::App* sub, CreateFlags& f, bool with_id = true) {
    sub->add_option("--bundle,-b", f.bundle, "path to the bundle (default: current directory)");
    sub->add_option("--pid-file", f.pid_file, "write the container's pid here");
    sub->add_option("--console-socket", f.console_socket, "unix socket to send the pty master to");
    sub->add_flag("--no-pivot", f.no_pivot, "chroot instead of pivot_root (rootfs on ramfs)");
    sub->add_flag("--no-new-keyring", f.no_new_keyring, "accepted for runc compatibility");
    sub->add_option("--preserve-fds", f.preserve_fds, "pass fds 3..3+N-1 to the container")->check(CLI::NonNegativeNumber);
    sub->add_option("--substrate", f.substrate, "container, bare or vm (default: the org.strata.substrate annotation, else container)")
        ->check(CLI::IsMember({"container", "bare", "vm"}));
    sub->add_option("--vm-kernel", f.vm_kernel, "vm substrate: the guest kernel to boot (default: strata's, else Debian's cloud kernel)");
    sub->add_option("--vm-backend", f.vm_backend, "vm substrate: own or qemu (default: own VMM with KVM, else QEMU)")
        ->check(CLI::IsMember({"auto", "own", "qemu"}));
    sub->add_option("--vm-template", f.vm_template,
                    "vm substrate: auto (restore a booted template) or off (boot the guest's kernel every time)")
        ->check(CLI::IsMember({"auto", "off"}));
    if (with_id) sub->add_option("id", f.id, "container id")->required();
}

// systemd socket activation: fds 3..3+LISTEN_FDS-1 go to the container before --preserve-fds,
// which then sets LISTEN_FDS and LISTEN_PID=1 (the process is pid 1 there), as runc does.
int listen_fds() {
    const char* v = std::getenv("LISTEN_FDS");
    auto n = v ? parse_int(v) : std::nullopt;
    return n && *n > 0 ? static_cast<int>(*n) : 0;
}

Result<runtime::CreateOptions> create_options(const Globals& g, const CreateFlags& f) {
    runtime::CreateOptions o;
    o.root = g.root;
    o.id = f.id;
    o.bundle = STRATA_TRY(bundle_path(f.bundle));
    o.pid_file = f.pid_file;
    o.console_socket = f.console_socket;
    o.no_pivot = f.no_pivot;
    o.preserve_fds = f.preserve_fds + listen_fds();
    if (int n = listen_fds()) o.extra_env = {"LISTEN_FDS=" + std::to_string(n), "LISTEN_PID=1"};
    o.substrate = f.substrate;
    o.vm_kernel = f.vm_kernel;
    o.vm_backend = f.vm_backend;
    o.vm_template = f.vm_template;
    return o;
}

}  // namespace

void add_create(CLI::App& app, Globals& g) {
    static CreateFlags flags;  // CLI11 binds to it for the life of the process
    auto* f = &flags;
    auto* sub = app.add_subcommand("create", "create a container (it waits for start)");
    add_create_flags(sub, *f);
    sub->parse_complete_callback([&g, f] {
        g.close_fds_from = 3 + f->preserve_fds + listen_fds();
        g.command = [&g, f]() -> Result<int> {
            auto o = STRATA_TRY(create_options(g, *f));
            auto c = STRATA_TRY(runtime::create(o));
            (void)c;
            return 0;
        };
    });
}

// `run` has two forms. runc's: `run [-b BUNDLE] ID`. The image form: `run [flags] IMAGE
// [COMMAND...]`. The rule: it is runc's form when --bundle/-b is given, or when there is one
// argument, no image-only flag, and the current directory holds a config.json (runc's default
// bundle); otherwise it is the image form. Everything after the first argument belongs to the
// container's command, flags included.
void add_run(CLI::App& app, Globals& g) {
    struct RunFlags : CreateFlags {
        bool detach = false, keep = false, no_subreaper = false;
        ImageRunFlags image;
        std::vector<std::string> args;
    };
    static RunFlags flags;
    auto* f = &flags;
    auto* sub = app.add_subcommand("run", "run a container from a bundle (runc: run [-b DIR] ID) or an image "
                                          "(run [flags] IMAGE [COMMAND...]); -b, or one ID with ./config.json "
                                          "and no image flag, selects the bundle form");
    add_create_flags(sub, *f, false);
    sub->add_flag("--detach,-d", f->detach, "do not wait for the container");
    sub->add_flag("--keep", f->keep, "do not delete the container after it exits");
    sub->add_flag("--no-subreaper", f->no_subreaper, "do not reap the container's orphans (foreground run)");
    add_image_run_flags(sub, f->image);
    sub->add_option("image-or-id", f->args, "IMAGE [COMMAND...] (image form) or ID (bundle form)")->required();
    sub->positionals_at_end();
    sub->parse_complete_callback([&g, f, sub] {
        g.close_fds_from = 3 + f->preserve_fds + listen_fds();
        bool runc_form = sub->count("--bundle") > 0 ||
                         (f->args.size() == 1 && !image_run_flags_used(sub) && sys::exists("config.json"));
        g.command = [&g, f, runc_form, sub]() -> Result<int> {
            if (!runc_form) {
                RunCommon c{f->detach, f->no_pivot, f->pid_file, f->substrate, f->vm_kernel, f->vm_backend, f->vm_template, f->preserve_fds};
                return run_image(g, f->image, c, f->args);
            }
            if (image_run_flags_used(sub)) return error("run: image flags (--name, --rm, -e, -v, ...) do not apply to a bundle (-b)");
            if (f->args.size() != 1) return error("run: a bundle takes exactly one argument, the container id");
            f->id = f->args[0];
            runtime::RunOptions o;
            o.create = STRATA_TRY(create_options(g, *f));
            o.detach = f->detach;
            o.keep = f->keep;
            o.subreaper = !f->no_subreaper;
            return runtime::run(o);
        };
    });
}

void add_start(CLI::App& app, Globals& g) {
    static std::string id_flag;
    auto* id = &id_flag;
    auto* sub = app.add_subcommand("start", "start a created container");
    sub->add_option("id", *id, "container id")->required();
    sub->parse_complete_callback([&g, id] {
        g.command = [&g, id] { return ok(runtime::start(g.root, *id)); };
    });
}

void add_state(CLI::App& app, Globals& g) {
    static std::string id_flag;
    auto* id = &id_flag;
    auto* sub = app.add_subcommand("state", "print a container's OCI state as JSON");
    sub->add_option("id", *id, "container id")->required();
    sub->parse_complete_callback([&g, id] {
        g.command = [&g, id]() -> Result<int> {
            auto j = STRATA_TRY(runtime::state(g.root, *id));
            std::cout << j.dump(2) << "\n";
            return 0;
        };
    });
}

void add_kill(CLI::App& app, Globals& g) {
    struct KillFlags {
        std::string id, signal = "SIGTERM";
        bool all = false;
    };
    static KillFlags flags;
    auto* f = &flags;
    auto* sub = app.add_subcommand("kill", "send a signal to a container (default SIGTERM)");
    sub->add_flag("--all,-a", f->all, "signal every process of the container");
    sub->add_option("id", f->id, "container id")->required();
    sub->add_option("signal", f->signal, "signal name or number");
    sub->parse_complete_callback([&g, f] {
        g.command = [&g, f]() -> Result<int> {
            auto sig = sys::parse_signal(f->signal);
            if (!sig) return error("unknown signal " + quote(f->signal));
            return ok(runtime::kill(g.root, f->id, *sig, f->all));
        };
    });
}

void add_delete(CLI::App& app, Globals& g) {
    struct DeleteFlags {
        std::string id;
        bool force = false;
    };
    static DeleteFlags flags;
    auto* f = &flags;
    auto* sub = app.add_subcommand("delete", "delete a container and everything it created");
    sub->add_flag("--force,-f", f->force, "kill a running container first");
    sub->add_option("id", f->id, "container id")->required();
    sub->parse_complete_callback([&g, f] {
        g.command = [&g, f] { return ok(runtime::remove(g.root, f->id, f->force)); };
    });
}

}  // namespace strata::cli
