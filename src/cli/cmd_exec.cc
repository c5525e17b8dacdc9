// exec: runc's flags; everything after the container id is the command.

#include "base/strings.h"
#include "cli/command.h"
#include "runtime/exec.h"

namespace strata::cli {

void add_exec(CLI::App& app, Globals& g) {
    static runtime::ExecOptions o;
    static std::vector<std::string> gids;
    static std::string apparmor, label, cgroup;
    auto* sub = app.add_subcommand("exec", "run a new process in a running container");
    sub->add_option("--process,-p", o.process_file, "process.json to run (instead of a command)");
    sub->add_flag("--tty,-t", o.tty, "allocate a pseudo-terminal");
    sub->add_option("--console-socket", o.console_socket, "unix socket to send the pty master to");
    sub->add_option("--pid-file", o.pid_file, "write the process's pid here");
    sub->add_flag("--detach,-d", o.detach, "do not wait for the process");
    sub->add_option("--cwd", o.cwd, "working directory in the container");
    sub->add_option("--env,-e", o.env, "KEY=VALUE (repeatable)");
    sub->add_option("--user,-u", o.user, "uid[:gid] or name[:group]");
    sub->add_option("--additional-gids,-g", gids, "additional group (repeatable)");
    sub->add_option("--cap,-c", o.caps, "add a capability (repeatable)");
    sub->add_flag("--no-new-privs", o.no_new_privs, "set no_new_privs");
    sub->add_option("--preserve-fds", o.preserve_fds, "pass fds 3..3+N-1 to the process")->check(CLI::NonNegativeNumber);
    sub->add_flag("--ignore-paused", o.ignore_paused, "exec even if the container is paused");
    sub->add_option("--apparmor", apparmor, "AppArmor profile for the process");
    sub->add_option("--process-label", label, "SELinux label for the process");
    sub->add_option("--cgroup", cgroup, "sub-cgroup to join (cgroup v2)");
    static std::string id;
    sub->add_option("id", id, "container id")->required();
    sub->parse_complete_callback([&g] {
        g.close_fds_from = 3 + o.preserve_fds;
        g.command = [&g]() -> Result<int> {
            if (!apparmor.empty() || !label.empty())
                return error("exec: --apparmor/--process-label: no such LSM is enabled on this host");
            if (!cgroup.empty()) return error("exec: --cgroup is not supported");
            o.root = g.root;
            o.id = id;
            o.args = g.trailing;
            for (const auto& s : gids) {
                auto v = parse_uint(s);
                if (!v) return error("--additional-gids " + quote(s) + ": not a number");
                o.additional_gids.push_back(static_cast<uint32_t>(*v));
            }
            return runtime::exec(o);
        };
    });
}

int exec_command_start(int argc, char** argv) {
    static const std::string_view kValued[] = {"--root", "--log", "--log-format", "--rootless", "--process", "-p",
                                               "--console-socket", "--pid-file", "--cwd", "--env", "-e", "--user", "-u",
                                               "--additional-gids", "-g", "--cap", "-c", "--preserve-fds", "--apparmor",
                                               "--process-label", "--cgroup"};
    bool seen_exec = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a.starts_with('-')) {
            if (a.find('=') == std::string_view::npos)
                for (auto v : kValued)
                    if (a == v) ++i;
            continue;
        }
        if (!seen_exec) {
            seen_exec = (a == "exec");
            continue;
        }
        return i + 1;  // a is the id
    }
    return argc;
}

}  // namespace strata::cli
