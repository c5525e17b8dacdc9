#include "compare/measure.h"

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>

#include "base/strings.h"
#include "cgroup/files.h"
#include "sys/file.h"

namespace strata::compare {

Stat Stat::of(std::vector<double> v) {
    Stat s;
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    s.n = v.size();
    s.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    s.p95 = v[std::min(v.size() - 1, static_cast<size_t>(0.95 * static_cast<double>(v.size() - 1) + 0.5))];
    s.min = v.front();
    return s;
}

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

constexpr std::string_view kMarker = "STRATA-READY";

struct Timing {
    bool ok = false;
    double ready_ms = 0, exit_ms = 0;
    std::string output;
};

// Runs the workload in the foreground: time to the marker's arrival, and to the exit.
Timing time_run(const Column& c, const std::string& bundle, const std::string& id) {
    Timing t;
    auto t0 = Clock::now();
    auto s = spawn(c, c.run, bundle, id);
    if (!s) {
        t.output = s.error().message();
        return t;
    }
    bool ready = false;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(s->out.get(), buf, sizeof buf);
        if (n <= 0) break;
        t.output.append(buf, static_cast<size_t>(n));
        if (!ready && t.output.find(kMarker) != std::string::npos) {
            ready = true;
            t.ready_ms = ms_since(t0);
        }
    }
    int st = 0;
    ::waitpid(s->pid, &st, 0);
    t.exit_ms = ms_since(t0);
    t.ok = ready && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    return t;
}

std::optional<double> field(const std::string& out, const std::string& key) {
    std::smatch m;
    if (std::regex_search(out, m, std::regex(key + "=([0-9.]+)"))) return std::stod(m[1].str());
    return std::nullopt;
}

// The memory metric of every column: the proportional set size of all the instance's host
// processes (the workload; a VM's monitor and its VMM; bare QEMU), from /proc/PID/smaps_rollup.
// Pages the instances share (the rootfs's page cache they map, QEMU's binary, a template's RAM
// file mapped copy-on-write) are split between them, so N instances sum to what N cost.
std::optional<double> pss_mib(pid_t pid) {
    uint64_t kib = 0;
    bool any = false;
    std::vector<pid_t> todo = {pid};
    while (!todo.empty()) {
        pid_t p = todo.back();
        todo.pop_back();
        std::string proc = "/proc/" + std::to_string(p);
        if (auto rollup = sys::read_file(proc + "/smaps_rollup")) {
            for (const auto& line : split_nonempty(*rollup, '\n'))
                if (line.starts_with("Pss:")) {
                    kib += parse_uint(trim(line.substr(4, line.find(" kB") - 4))).value_or(0);
                    any = true;
                }
        }
        // Children are listed per thread (QEMU forks from any of its threads).
        DIR* tasks = ::opendir((proc + "/task").c_str());
        while (dirent* t = tasks ? ::readdir(tasks) : nullptr) {
            if (t->d_name[0] == '.') continue;
            std::string kids = sys::read_file(proc + "/task/" + t->d_name + "/children").value_or("");
            for (const auto& k : split_nonempty(kids, ' '))
                if (auto c = parse_uint(trim(k))) todo.push_back(static_cast<pid_t>(*c));
        }
        if (tasks) ::closedir(tasks);
    }
    if (!any) return std::nullopt;
    return static_cast<double>(kib) / 1024;
}

// Beside the metric, not in it: the kernel memory charged to the instance's memory cgroup
// (page tables, namespaces, sockets), where it has one of its own (bare QEMU has none).
std::optional<double> cgroup_kernel_mib(pid_t pid) {
    std::string cg = sys::read_file("/proc/" + std::to_string(pid) + "/cgroup").value_or("");
    std::smatch m;
    std::optional<uint64_t> bytes;
    if (std::regex_search(cg, m, std::regex("[0-9]+:memory:([^\\n]*)"))) {
        if (auto k = sys::read_file("/sys/fs/cgroup/memory" + m[1].str() + "/memory.kmem.usage_in_bytes")) bytes = parse_uint(trim(*k));
    } else if (std::regex_search(cg, m, std::regex("0::([^\\n]*)"))) {
        auto stat = cgroup::parse_keyed(sys::read_file("/sys/fs/cgroup" + m[1].str() + "/memory.stat").value_or(""));
        if (auto k = stat.find("kernel"); k != stat.end()) bytes = k->second;
    }
    if (!bytes || m[1].str() == "/") return std::nullopt;
    return static_cast<double>(*bytes) / (1 << 20);
}

struct Instance {
    std::string id;
    Spawned spawned;
    bool ready = false;
    std::string output;
};

// Starts `n` idle instances at once (numbered from `first`); returns them once all printed the
// marker (or gave up).
std::vector<Instance> start_idle(const Column& c, const std::string& bundle, int first, int n, double timeout_s,
                                 double* seconds) {
    std::vector<Instance> all;
    auto t0 = Clock::now();
    for (int i = first; i < first + n; ++i) {
        Instance in;
        in.id = "cmp-" + c.key + "-idle-" + std::to_string(i);
        auto s = spawn(c, c.detach, bundle, in.id);
        if (!s) break;
        in.spawned = std::move(*s);
        all.push_back(std::move(in));
    }
    int waiting = static_cast<int>(all.size());
    while (waiting > 0 && ms_since(t0) < timeout_s * 1000) {
        std::vector<pollfd> fds;
        for (auto& in : all) fds.push_back({in.ready ? -1 : in.spawned.out.get(), POLLIN, 0});
        if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
        for (size_t i = 0; i < all.size(); ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
            char buf[4096];
            ssize_t r = ::read(all[i].spawned.out.get(), buf, sizeof buf);
            if (r > 0) all[i].output.append(buf, static_cast<size_t>(r));
            if (all[i].output.find(kMarker) != std::string::npos) {
                all[i].ready = true;
                --waiting;
            } else if (r <= 0) {
                all[i].ready = false;
                fds[i].fd = -1;
                all[i].spawned.out.reset();
                --waiting;
            }
        }
    }
    *seconds = ms_since(t0) / 1000;
    // The `run -d` processes exit once the instance runs; a directly run VMM is the instance.
    if (!c.direct())
        for (auto& in : all) ::waitpid(in.spawned.pid, nullptr, 0);
    return all;
}

pid_t workload_pid(const Column& c, const std::string& id, pid_t spawned) {
    if (c.direct()) return spawned;
    auto out = run_capture(c, c.state, "", id);
    if (!out) return -1;
    auto j = nlohmann::json::parse(*out, nullptr, false);
    return j.is_object() ? j.value("pid", -1) : -1;
}

Isolation isolation_of(const Column& c, pid_t wpid, const std::string& facts, bool kvm) {
    Isolation iso;
    std::smatch k;
    // A guest's serial console ends lines with \r\n.
    if (std::regex_search(facts, k, std::regex("kernel=([^\\r\\n]*)"))) iso.kernel = k[1].str();
    std::smatch m;
    if (std::regex_search(facts, m, std::regex("CapEff:=([0-9a-f]+)")))
        iso.capabilities = std::popcount(std::stoull(m[1].str(), nullptr, 16));
    if (std::regex_search(facts, m, std::regex("Seccomp:=([0-9])")))
        iso.seccomp = m[1].str() == "2" ? "filter" : m[1].str() == "1" ? "strict" : "off";
    iso.no_new_privs = facts.find("NoNewPrivs:=1") != std::string::npos;
    if (c.group == Group::vm) {
        iso.boundary = std::string("separate kernel under ") + (kvm ? "KVM" : "QEMU's software CPU (no KVM)");
        return iso;
    }
    if (wpid > 0) {
        for (const char* ns : {"pid", "net", "ipc", "uts", "mnt", "cgroup", "user", "time"}) {
            auto theirs = sys::readlink("/proc/" + std::to_string(wpid) + "/ns/" + ns);
            auto ours = sys::readlink(std::string("/proc/self/ns/") + ns);
            if (theirs && ours && *theirs != *ours) iso.namespaces.push_back(ns);
        }
    }
    if (iso.namespaces.empty())
        iso.boundary = "process (host namespaces)";
    else
        iso.boundary = "namespaces + cgroup" + std::string(iso.seccomp == "filter" ? " + seccomp" : "");
    return iso;
}

}  // namespace

Result<std::vector<ColumnResult>> measure(std::vector<Column> columns, Workload& w, const Options& o,
                                          const Progress& progress) {
    std::vector<ColumnResult> results;
    for (auto& c : columns) {
        if (!o.only.empty() && std::find(o.only.begin(), o.only.end(), c.key) == o.only.end()) continue;
        ColumnResult r;
        r.column = c;
        results.push_back(std::move(r));
    }
    bool kvm = false;
    {
        std::string info = sys::read_file("/proc/cpuinfo").value_or("");
        kvm = std::regex_search(info, std::regex("\\b(vmx|svm)\\b")) && sys::exists("/dev/kvm");
    }
    auto runs_for = [&](const ColumnResult& r, int n) { return r.column.group == Group::vm ? std::max(2, n / 2) : n; };
    int steps = 1, done = 0;
    for (auto& r : results)
        if (r.column.available) steps += runs_for(r, o.startup_runs) + 2 * runs_for(r, o.cpu_runs) + 3;
    auto tick = [&](const std::string& what) { progress(static_cast<double>(++done) / steps, what); };

    // A column that cannot run the workload at all is unavailable, with the reason it gave.
    std::string ready = STRATA_TRY(w.bundle({"ready"}));
    for (auto& r : results) {
        if (!r.column.available) continue;
        tick("checking " + r.column.title);
        Timing t = time_run(r.column, ready, "cmp-" + r.column.key + "-check");
        if (!t.ok) {
            r.column.available = false;
            std::string out(trim(t.output));
            r.column.unavailable_reason = out.empty() ? "the workload did not run" : out.substr(0, 300);
        }
    }

    // Startup: interleaved runs (A B C A B C ...), so noise hits every column alike.
    int rounds = o.startup_runs;
    std::map<std::string, std::vector<double>> ready_ms, exit_ms;
    // Each round starts with the next column: whichever runs first after a slow one (a VM) meets
    // a colder kernel (the first cgroup migration after a pause waits for an RCU grace period,
    // ~10 ms here), and rotating spreads that over every column alike.
    auto rotated = [&](int round) {
        std::vector<ColumnResult*> order;
        for (size_t k = 0; k < results.size(); ++k) order.push_back(&results[(k + static_cast<size_t>(round)) % results.size()]);
        return order;
    };
    // The v1-view wrapper's own cost: /bin/true spawned with and without it, 5 pairs right after
    // each run of a wrapped column, so the same noise hits it (one pair is below the noise).
    std::map<std::string, std::vector<double>> wrapped_ms, plain_ms;
    auto wrapper_cost = [&](const Column& wrapped) {
        Column c;
        c.title = "the v1-view wrapper";
        c.argv_for = [](const std::string&) { return std::vector<std::string>{"/bin/true"}; };
        for (int k = 0; k < 5; ++k) {
            c.private_v1_namespace = false;
            plain_ms[wrapped.key].push_back(time_run(c, "", "").exit_ms);
            c.private_v1_namespace = wrapped.private_v1_namespace;
            wrapped_ms[wrapped.key].push_back(time_run(c, "", "").exit_ms);
        }
    };
    for (int i = 0; i < rounds; ++i)
        for (ColumnResult* rp : rotated(i)) {
            auto& r = *rp;
            if (!r.column.available || i >= runs_for(r, rounds)) continue;
            tick("startup: " + r.column.title);
            Timing t = time_run(r.column, ready, "cmp-" + r.column.key + "-" + std::to_string(i));
            if (!t.ok) {
                r.notes.push_back("startup run failed: " + std::string(trim(t.output)).substr(0, 200));
                continue;
            }
            ready_ms[r.column.key].push_back(t.ready_ms);
            exit_ms[r.column.key].push_back(t.exit_ms);
            if (r.column.private_v1_namespace) wrapper_cost(r.column);
        }
    for (auto& r : results) {
        r.ready_ms = Stat::of(ready_ms[r.column.key]);
        r.exit_ms = Stat::of(exit_ms[r.column.key]);
        if (!wrapped_ms[r.column.key].empty())
            r.wrapper_ms = ColumnResult::Wrapper{Stat::of(wrapped_ms[r.column.key]), Stat::of(plain_ms[r.column.key])};
    }

    // CPU: the same compute and syscall work everywhere, timed inside the workload.
    std::string cpu = STRATA_TRY(w.bundle({"cpu", std::to_string(o.cpu_iterations)}));
    std::string sys_b = STRATA_TRY(w.bundle({"syscall", std::to_string(o.syscalls)}));
    std::map<std::string, std::vector<double>> cpu_ms, sys_ms;
    for (int i = 0; i < o.cpu_runs; ++i)
        for (ColumnResult* rp : rotated(i)) {
            auto& r = *rp;
            if (!r.column.available || i >= runs_for(r, o.cpu_runs)) continue;
            tick("cpu: " + r.column.title);
            Timing c = time_run(r.column, cpu, "cmp-" + r.column.key + "-cpu" + std::to_string(i));
            if (auto ns = field(c.output, "cpu_ns")) cpu_ms[r.column.key].push_back(*ns / 1e6);
            tick("syscalls: " + r.column.title);
            Timing s = time_run(r.column, sys_b, "cmp-" + r.column.key + "-sys" + std::to_string(i));
            if (auto ns = field(s.output, "syscall_ns")) sys_ms[r.column.key].push_back(*ns / 1e6);
        }
    for (auto& r : results) {
        r.cpu_ms = Stat::of(cpu_ms[r.column.key]);
        r.syscall_ms = Stat::of(sys_ms[r.column.key]);
    }

    // I/O to the root filesystem (writable here) and to a bind-mounted host directory.
    // Bare processes see the host's paths: the same two directories, by their host names.
    std::string mib = std::to_string(o.io_mib);
    std::string io_root = STRATA_TRY(w.bundle({"io", "/", mib}, true));
    std::string io_bind = STRATA_TRY(w.bundle({"io", "/data", mib}));
    std::string bare_root = STRATA_TRY(w.bundle({"io", w.rootfs, mib}));
    std::string bare_bind = STRATA_TRY(w.bundle({"io", w.host_dir, mib}));
    for (auto& r : results) {
        if (!r.column.available) continue;
        bool bare = r.column.group == Group::bare;
        tick("I/O: " + r.column.title);
        Timing a = time_run(r.column, bare ? bare_root : io_root, "cmp-" + r.column.key + "-io1");
        if (auto wr = field(a.output, "write_mbps")) r.io_root = Io{*wr, field(a.output, "read_mbps").value_or(0)};
        else r.notes.push_back("rootfs I/O: " + std::string(trim(a.output)).substr(0, 200));
        Timing b = time_run(r.column, bare ? bare_bind : io_bind, "cmp-" + r.column.key + "-io2");
        if (auto wr = field(b.output, "write_mbps")) r.io_bind = Io{*wr, field(b.output, "read_mbps").value_or(0)};
        else if (r.column.key.starts_with("qemu"))
            r.notes.push_back("host directory I/O: bare QEMU is run without a file share (strata's VM has its 9p share)");
        else r.notes.push_back("host directory I/O: " + std::string(trim(b.output)).substr(0, 200));
    }

    // Memory, density and isolation from idle instances, started in waves and held running.
    std::string idle = STRATA_TRY(w.bundle({"idle"}));
    std::string facts = STRATA_TRY(w.bundle({"facts"}));
    // The workload's own share: what a bare instance takes, measured the same way.
    std::optional<double> workload_mib;
    for (auto& r : results) {
        if (!r.column.available) continue;
        tick("memory and density: " + r.column.title);
        bool vm = r.column.group == Group::vm;
        Density d;
        d.cap = vm ? o.vm_density_cap : o.density_cap;
        // Waves: a VM's start takes seconds of CPU under emulation, so fewer at once; the time
        // bound keeps a slow column (cold boots under TCG) from taking the run over.
        const int wave = vm ? 4 : 25;
        const double bound_s = vm ? 90 : 60;
        auto t0 = Clock::now();
        std::vector<Instance> inst;
        std::vector<pid_t> pids;
        std::vector<double> pss;
        auto per_instance = [&] { return pss.empty() ? 0.0 : Stat::of(pss).median; };
        for (;;) {
            // A VM's first wave is one: until one is measured the budget cannot cut a wave, and
            // four cold-booted VMs would overshoot a small budget.
            int n = std::min(vm && inst.empty() ? 1 : wave, d.cap - static_cast<int>(inst.size()));
            if (n <= 0) {
                d.stopped_by = "cap";
                break;
            }
            if (double per = per_instance(); per > 0) {
                n = std::min(n, static_cast<int>((static_cast<double>(o.budget_mib) - d.used_mib) / per));
                if (n <= 0) {
                    d.stopped_by = "budget";
                    break;
                }
            }
            if (ms_since(t0) > bound_s * 1000) {
                d.stopped_by = "time";
                break;
            }
            double seconds = 0;
            auto more = start_idle(r.column, idle, static_cast<int>(inst.size()), n, vm ? 120 : 30, &seconds);
            d.seconds += seconds;
            bool all_up = static_cast<int>(more.size()) == n;
            for (auto& in : more) {
                if (in.ready) {
                    pids.push_back(workload_pid(r.column, in.id, in.spawned.pid));
                } else if (all_up) {
                    r.notes.push_back("density: an instance did not come up: " + std::string(trim(in.output)).substr(0, 200));
                    all_up = false;
                }
            }
            for (auto& in : more) inst.push_back(std::move(in));
            // All of them again: the pages they share are split over more instances now.
            pss.clear();
            for (pid_t pid : pids)
                if (auto m = pid > 0 ? pss_mib(pid) : std::nullopt) pss.push_back(*m);
            d.used_mib = 0;
            for (double m : pss) d.used_mib += m;
            if (!all_up || pss.empty()) {  // (no PSS: nothing to count against the budget)
                d.stopped_by = "failure";
                break;
            }
        }
        d.started = static_cast<int>(pids.size());
        std::vector<double> kernel;
        if (!r.column.direct())
            for (pid_t pid : pids)
                if (auto k = pid > 0 ? cgroup_kernel_mib(pid) : std::nullopt) kernel.push_back(*k);
        Timing f = time_run(r.column, facts, "cmp-" + r.column.key + "-facts");
        r.isolation = isolation_of(r.column, pids.empty() ? -1 : pids.front(), f.output, kvm);
        for (auto& in : inst) {
            if (r.column.direct()) {
                ::kill(in.spawned.pid, SIGKILL);
                ::waitpid(in.spawned.pid, nullptr, 0);
            } else {
                (void)run_capture(r.column, r.column.remove, "", in.id);
            }
        }
        if (d.started == 0) {
            r.notes.push_back("no idle instance came up: " + (inst.empty() ? std::string() : std::string(trim(inst[0].output)).substr(0, 200)));
            continue;
        }
        if (!kernel.empty()) r.kernel_mib = Stat::of(kernel).median;
        if (!pss.empty()) {
            double per = per_instance();
            if (r.column.key == "bare") workload_mib = per;
            r.pss_mib = per;
            r.memory_mib = std::max(0.0, per - workload_mib.value_or(0));
            d.projected = static_cast<int>(static_cast<double>(o.budget_mib) / std::max(per, 0.01));
        } else {
            r.notes.push_back("memory: no /proc/PID/smaps_rollup for the instances");
        }
        r.density = d;
    }
    progress(1.0, "done");
    return results;
}

}  // namespace strata::compare
