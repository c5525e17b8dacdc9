// pause, resume, ps, events, update: commands about a container's cgroup.

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>

#include "base/log.h"
#include "base/strings.h"
#include "cli/command.h"
#include "runtime/events.h"
#include "runtime/lifecycle.h"
#include "runtime/update.h"
#include "runtime/vm_query.h"
#include "spec/parse.h"
#include "sys/file.h"

namespace strata::cli {

void add_pause(CLI::App& app, Globals& g) {
    static std::string id, rid;
    auto* p = app.add_subcommand("pause", "freeze every process of a container");
    p->add_option("id", id, "container id")->required();
    p->parse_complete_callback([&g] { g.command = [&g] { return ok(runtime::pause(g.root, id)); }; });
    auto* r = app.add_subcommand("resume", "thaw a paused container");
    r->add_option("id", rid, "container id")->required();
    r->parse_complete_callback([&g] { g.command = [&g] { return ok(runtime::resume(g.root, rid)); }; });
}

namespace {

// A micro-VM's processes are the guest's, with the guest's pids (never the host's monitor and
// QEMU). ps(1) cannot read them, so the table is strata's own, with ps -ef's columns.
Result<int> print_guest_processes(const std::string& root, const std::string& id, const std::string& format,
                                  const std::vector<std::string>& ps_args) {
    auto ps = STRATA_TRY(runtime::guest_processes(root, id));
    if (format == "json") {
        nlohmann::json pids = nlohmann::json::array();
        for (const auto& p : ps) pids.push_back(p.pid);
        std::cout << pids.dump() << "\n";
        return 0;
    }
    if (!ps_args.empty())
        log::warn("ps " + id + ": ps(1) arguments do not apply to a micro-VM's guest processes; ignored");
    std::printf("%-8s %6s %6s %1s %8s %8s %s\n", "UID", "PID", "PPID", "S", "RSS", "TIME", "CMD");
    for (const auto& p : ps) {
        std::string cmd = p.args.empty() ? "[" + p.comm + "]" : join(p.args, " ");
        uint64_t s = p.cpu_ms / 1000;
        char time[32];
        std::snprintf(time, sizeof time, "%02llu:%02llu:%02llu", static_cast<unsigned long long>(s / 3600),
                      static_cast<unsigned long long>(s / 60 % 60), static_cast<unsigned long long>(s % 60));
        std::printf("%-8u %6u %6u %c %8llu %8s %s\n", p.uid(), p.pid, p.ppid, p.state, static_cast<unsigned long long>(p.rss_kib),
                    time, cmd.c_str());
    }
    return 0;
}

}  // namespace

void add_ps(CLI::App& app, Globals& g) {
    static std::string id, format = "table";
    static std::vector<std::string> ps_args;
    auto* sub = app.add_subcommand("ps", "list a container's processes");
    sub->add_option("--format,-f", format, "table or json")->check(CLI::IsMember({"table", "json"}));
    sub->add_option("id", id, "container id")->required();
    sub->add_option("ps-args", ps_args, "arguments for ps(1) (default -ef)");
    sub->parse_complete_callback([&g] {
        g.command = [&g]() -> Result<int> {
            if (STRATA_TRY(runtime::is_vm(g.root, id))) return print_guest_processes(g.root, id, format, ps_args);
            auto pids = STRATA_TRY(runtime::processes(g.root, id));
            if (format == "json") {
                std::cout << nlohmann::json(pids).dump() << "\n";
                return 0;
            }
            // runc's behaviour: ps(1)'s own output, filtered to the container's pids.
            std::vector<std::string> argv = {"ps"};
            if (ps_args.empty()) argv.push_back("-ef");
            argv.insert(argv.end(), ps_args.begin(), ps_args.end());
            std::string cmd;
            for (const auto& a : argv) cmd += quote(a) + " ";
            FILE* f = ::popen(cmd.c_str(), "r");
            if (!f) return os_error(errno, "run ps");
            std::set<pid_t> want(pids.begin(), pids.end());
            char line[4096];
            int pid_col = -1;
            bool header = true;
            while (std::fgets(line, sizeof line, f)) {
                auto cols = split_nonempty(trim(line), ' ');
                if (header) {
                    for (size_t i = 0; i < cols.size(); ++i)
                        if (cols[i] == "PID") pid_col = static_cast<int>(i);
                    std::cout << line;
                    header = false;
                    if (pid_col < 0) return error("ps output has no PID column");
                    continue;
                }
                if (static_cast<int>(cols.size()) > pid_col)
                    if (auto p = parse_int(cols[pid_col]); p && want.count(static_cast<pid_t>(*p))) std::cout << line;
            }
            ::pclose(f);
            return 0;
        };
    });
}

void add_events(CLI::App& app, Globals& g) {
    static std::string id, interval = "5s";
    static bool stats = false;
    auto* sub = app.add_subcommand("events", "print resource usage and OOM events as JSON");
    sub->add_flag("--stats", stats, "print one stats event and exit");
    sub->add_option("--interval", interval, "time between stats events (e.g. 5s, 500ms)");
    sub->add_option("id", id, "container id")->required();
    sub->parse_complete_callback([&g] {
        g.command = [&g]() -> Result<int> {
            if (stats) {
                std::cout << STRATA_TRY(runtime::stats_event(g.root, id)).dump() << "\n";
                return 0;
            }
            std::string iv = interval;
            long mult = 1000;
            if (iv.ends_with("ms")) iv.resize(iv.size() - 2), mult = 1;
            else if (iv.ends_with("s")) iv.resize(iv.size() - 1);
            auto n = parse_int(iv);
            if (!n || *n <= 0) return error("--interval: bad duration " + quote(interval));
            STRATA_TRY(runtime::stream_events(g.root, id, std::chrono::milliseconds(*n * mult),
                                              [](const nlohmann::json& e) { std::cout << e.dump() << std::endl; }));
            return 0;
        };
    });
}

void add_update(CLI::App& app, Globals& g) {
    struct UpdateFlags {
        std::string id, resources, memory, memory_swap, memory_reservation, kernel_memory, kernel_memory_tcp,
            cpuset_cpus, cpuset_mems;
        std::optional<uint64_t> cpu_shares, cpu_period, cpu_burst, cpu_rt_period;
        std::optional<int64_t> cpu_quota, cpu_rt_runtime, pids_limit;
        std::optional<uint16_t> blkio_weight;
    };
    static UpdateFlags f;
    auto* sub = app.add_subcommand("update", "change a running container's resource limits");
    sub->add_option("--resources,-r", f.resources, "a linux.resources JSON file, or - for stdin");
    sub->add_option("--memory", f.memory, "memory limit (bytes, or with k/m/g)");
    sub->add_option("--memory-swap", f.memory_swap, "memory+swap limit");
    sub->add_option("--memory-reservation", f.memory_reservation, "memory soft limit");
    sub->add_option("--kernel-memory", f.kernel_memory, "kernel memory limit (v1)");
    sub->add_option("--kernel-memory-tcp", f.kernel_memory_tcp, "kernel TCP buffer limit (v1)");
    sub->add_option("--cpu-shares", f.cpu_shares, "CPU shares (relative weight)");
    sub->add_option("--cpu-period", f.cpu_period, "CPU CFS period (us)");
    sub->add_option("--cpu-quota", f.cpu_quota, "CPU CFS quota (us per period)");
    sub->add_option("--cpu-burst", f.cpu_burst, "CPU CFS burst (us)");
    sub->add_option("--cpu-rt-period", f.cpu_rt_period, "real-time period (us)");
    sub->add_option("--cpu-rt-runtime", f.cpu_rt_runtime, "real-time runtime (us)");
    sub->add_option("--cpuset-cpus", f.cpuset_cpus, "CPUs allowed (0-3,5)");
    sub->add_option("--cpuset-mems", f.cpuset_mems, "memory nodes allowed");
    sub->add_option("--pids-limit", f.pids_limit, "maximum number of processes");
    sub->add_option("--blkio-weight", f.blkio_weight, "block I/O weight (10-1000)");
    sub->add_option("id", f.id, "container id")->required();
    sub->parse_complete_callback([&g] {
        g.command = [&g]() -> Result<int> {
            spec::Resources r;
            if (!f.resources.empty()) {
                std::string text = f.resources == "-" ? STRATA_TRY(sys::read_all(STDIN_FILENO, "stdin")) : STRATA_TRY(sys::read_file(f.resources));
                r = STRATA_TRY(spec::parse_resources(text, f.resources == "-" ? "stdin" : f.resources));
            }
            auto size = [](const std::string& flag, const std::string& v) -> Result<std::optional<int64_t>> {
                if (v.empty()) return std::optional<int64_t>{};
                if (v == "-1") return std::optional<int64_t>{-1};
                auto n = parse_size(v);
                if (!n) return error(flag + ": bad size " + quote(v));
                return std::optional<int64_t>{*n};
            };
            auto mem = [&]() -> spec::Memory& {
                if (!r.memory) r.memory.emplace();
                return *r.memory;
            };
            auto cpu = [&]() -> spec::Cpu& {
                if (!r.cpu) r.cpu.emplace();
                return *r.cpu;
            };
            if (auto v = STRATA_TRY(size("--memory", f.memory))) mem().limit = v;
            if (auto v = STRATA_TRY(size("--memory-swap", f.memory_swap))) mem().swap = v;
            if (auto v = STRATA_TRY(size("--memory-reservation", f.memory_reservation))) mem().reservation = v;
            if (auto v = STRATA_TRY(size("--kernel-memory", f.kernel_memory))) mem().kernel = v;
            if (auto v = STRATA_TRY(size("--kernel-memory-tcp", f.kernel_memory_tcp))) mem().kernel_tcp = v;
            if (f.cpu_shares) cpu().shares = f.cpu_shares;
            if (f.cpu_period) cpu().period = f.cpu_period;
            if (f.cpu_quota) cpu().quota = f.cpu_quota;
            if (f.cpu_burst) cpu().burst = f.cpu_burst;
            if (f.cpu_rt_period) cpu().realtime_period = f.cpu_rt_period;
            if (f.cpu_rt_runtime) cpu().realtime_runtime = f.cpu_rt_runtime;
            if (!f.cpuset_cpus.empty()) cpu().cpus = f.cpuset_cpus;
            if (!f.cpuset_mems.empty()) cpu().mems = f.cpuset_mems;
            if (f.pids_limit) r.pids_limit = f.pids_limit;
            if (f.blkio_weight) {
                r.block_io.emplace();
                r.block_io->weight = f.blkio_weight;
            }
            return ok(runtime::update(g.root, f.id, r));
        };
    });
}

}  // namespace strata::cli
