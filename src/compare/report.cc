#include "compare/report.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "base/strings.h"
#include "sys/file.h"

namespace strata::compare {
namespace {

using json = nlohmann::json;

const ColumnResult* find(const Report& r, const std::string& key) {
    for (const auto& c : r.columns)
        if (c.column.key == key && c.column.available) return &c;
    return nullptr;
}

std::optional<double> ratio_to_bare(const Report& r, const ColumnResult& c, bool syscalls) {
    const ColumnResult* bare = find(r, "bare");
    const Stat& mine = syscalls ? c.syscall_ms : c.cpu_ms;
    if (!bare || !mine.n) return std::nullopt;
    const Stat& base = syscalls ? bare->syscall_ms : bare->cpu_ms;
    if (!base.n || base.median <= 0) return std::nullopt;
    return mine.median / base.median;
}

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

std::string ms(double v) {
    if (v >= 1000) return fmt("%.2f s", v / 1000);
    if (v >= 100) return fmt("%.0f ms", v);
    if (v >= 10) return fmt("%.1f ms", v);
    return fmt("%.2f ms", v);
}

json stat_json(const Stat& s) {
    if (!s.n) return nullptr;
    return {{"median", s.median}, {"p95", s.p95}, {"min", s.min}, {"n", s.n}};
}

// Ratios that answer "how does strata compare to the tools that do the same job".
std::vector<std::pair<std::string, double>> peer_ratios(const Report& r) {
    std::vector<std::pair<std::string, double>> out;
    auto add = [&](const std::string& a, const std::string& b, const std::string& label) {
        const ColumnResult* x = find(r, a);
        const ColumnResult* y = find(r, b);
        if (x && y && x->exit_ms.n && y->exit_ms.n && y->exit_ms.median > 0)
            out.emplace_back(label, x->exit_ms.median / y->exit_ms.median);
    };
    add("container", "crun", "startup to exit: strata container / crun");
    // crun's figure holds the v1-view wrapper on hybrid hosts: the same ratio without it.
    const ColumnResult* x = find(r, "container");
    const ColumnResult* crun = find(r, "crun");
    if (x && crun && x->exit_ms.n && crun->exit_ms.n && crun->wrapper_ms && crun->exit_ms.median > crun->wrapper_ms->median())
        out.emplace_back("startup to exit: strata container / crun less its measured wrapper",
                         x->exit_ms.median / (crun->exit_ms.median - crun->wrapper_ms->median()));
    add("container", "runc", "startup to exit: strata container / runc");
    // Like with like: a boot against a boot, a restore against a restore.
    add("vm-boot", "qemu", "startup to exit: strata micro-VM cold boot / bare QEMU microvm cold boot");
    add("vm", "qemu-restore", "startup to exit: strata micro-VM template restore / bare QEMU microvm restore");
    add("qemu-restore", "qemu", "startup to exit: bare QEMU microvm restore / its cold boot");
    add("vm", "vm-boot", "startup to exit: strata micro-VM template restore / its cold boot");
    add("container", "bare", "startup to exit: strata container / bare metal");
    add("vm", "container", "startup to exit: strata micro-VM / strata container");
    return out;
}

std::string title_of(const ColumnResult& c) {
    std::string t = c.column.title;
    if (!c.column.peer && c.column.group != Group::bare) t += " (strata)";
    return t;
}

// Each row: label, then one cell per column.
std::vector<std::pair<std::string, std::vector<std::string>>> rows(const Report& r) {
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    auto row = [&](const std::string& label, auto cell) {
        std::vector<std::string> cells;
        for (const auto& c : r.columns) cells.push_back(c.column.available ? cell(c) : std::string("n/a"));
        out.emplace_back(label, cells);
    };
    row("Startup to first instruction", [](const ColumnResult& c) { return c.ready_ms.n ? ms(c.ready_ms.median) : "-"; });
    row("  p95 / min", [](const ColumnResult& c) { return c.ready_ms.n ? ms(c.ready_ms.p95) + " / " + ms(c.ready_ms.min) : "-"; });
    row("Startup to exit", [](const ColumnResult& c) { return c.exit_ms.n ? ms(c.exit_ms.median) : "-"; });
    bool wrapped = false;
    for (const auto& c : r.columns)
        if (c.wrapper_ms) wrapped = true;
    if (wrapped)
        row("  of which v1-view wrapper", [](const ColumnResult& c) {
            return c.wrapper_ms ? ms(c.wrapper_ms->median()) + " (measured)" : std::string("-");
        });
    row("CPU overhead: compute", [&](const ColumnResult& c) {
        auto x = ratio_to_bare(r, c, false);
        return x ? fmt("%.2fx", *x) + " (" + fmt("%+.0f%%", (*x - 1) * 100) + ")" : std::string("-");
    });
    row("CPU overhead: syscalls", [&](const ColumnResult& c) {
        auto x = ratio_to_bare(r, c, true);
        return x ? fmt("%.2fx", *x) + " (" + fmt("%+.0f%%", (*x - 1) * 100) + ")" : std::string("-");
    });
    row("Memory per instance (PSS, beyond bare's)", [](const ColumnResult& c) { return c.memory_mib ? fmt("%.2f MiB", *c.memory_mib) : "-"; });
    row("  PSS of its processes in all", [](const ColumnResult& c) { return c.pss_mib ? fmt("%.2f MiB", *c.pss_mib) : "-"; });
    row("  its cgroup's kernel memory (not in the above)", [](const ColumnResult& c) { return c.kernel_mib ? fmt("%.2f MiB", *c.kernel_mib) : "-"; });
    std::string budget = r.options.budget_mib % 1024 == 0 ? std::to_string(r.options.budget_mib / 1024) + " GiB"
                                                          : std::to_string(r.options.budget_mib) + " MiB";
    row("Density in " + budget + ": held running (counted)", [](const ColumnResult& c) {
        if (!c.density) return std::string("-");
        const Density& d = *c.density;
        std::string why = d.stopped_by == "cap" ? "the cap" : d.stopped_by == "budget" ? "budget full" : d.stopped_by;
        return std::to_string(d.started) + " in " + fmt("%.1f s", d.seconds) + " (" + why + ")";
    });
    row("  projected for " + budget + " (budget / memory)", [](const ColumnResult& c) {
        if (!c.density) return std::string("-");
        return std::to_string(c.density->projected) + " (projection)";
    });
    row("I/O rootfs write/read", [](const ColumnResult& c) {
        return c.io_root ? fmt("%.0f", c.io_root->write_mbps) + "/" + fmt("%.0f MB/s", c.io_root->read_mbps) : std::string("-");
    });
    row("I/O host dir write/read", [](const ColumnResult& c) {
        return c.io_bind ? fmt("%.0f", c.io_bind->write_mbps) + "/" + fmt("%.0f MB/s", c.io_bind->read_mbps) : std::string("-");
    });
    row("Isolation boundary", [](const ColumnResult& c) { return c.isolation ? c.isolation->boundary : "-"; });
    row("Private namespaces", [](const ColumnResult& c) {
        if (!c.isolation) return std::string("-");
        if (c.column.group == Group::vm) return std::string("all (own kernel)");
        return c.isolation->namespaces.empty() ? std::string("none") : join(c.isolation->namespaces, " ");
    });
    row("Capabilities left", [](const ColumnResult& c) {
        return c.isolation && c.isolation->capabilities >= 0 ? std::to_string(c.isolation->capabilities) : std::string("-");
    });
    row("Seccomp", [](const ColumnResult& c) { return c.isolation && !c.isolation->seccomp.empty() ? c.isolation->seccomp : "-"; });
    row("Kernel", [](const ColumnResult& c) { return c.isolation ? c.isolation->kernel : "-"; });
    return out;
}

std::string header(const Report& r) {
    const Machine& m = r.machine;
    std::string s = "strata compare: bare metal vs container vs micro-VM, measured on this machine\n";
    s += "machine: " + m.cpu_model + ", " + std::to_string(m.cpus) + " CPUs, " + std::to_string(m.memory_mib / 1024) +
         " GiB; kernel " + m.kernel + "; cgroup " + m.cgroup_mode + "\n";
    s += "VMs: " + (m.hardware_virtualization ? std::string("KVM hardware acceleration") : m.virtualization_note) + "\n";
    s += "workload: busybox-static + strata-probe; startup " + std::to_string(r.options.startup_runs) +
         " interleaved runs per column (micro-VMs half as many); measured in " + fmt("%.0f s", r.seconds) + "\n";
    return s;
}

std::string footnotes(const Report& r) {
    std::string s;
    for (const auto& [label, v] : peer_ratios(r)) s += "  " + label + ": " + fmt("%.2fx", v) + "\n";
    for (const auto& c : r.columns) {
        if (!c.column.available) s += "  " + title_of(c) + ": unavailable: " + c.column.unavailable_reason + "\n";
        for (const auto& n : c.notes) s += "  " + title_of(c) + ": " + n + "\n";
    }
    return s;
}

}  // namespace

json to_json(const Report& r) {
    json cols = json::array();
    for (const auto& c : r.columns) {
        json j{{"key", c.column.key},
               {"title", title_of(c)},
               {"group", std::string(group_name(c.column.group))},
               {"peer", c.column.peer},
               {"available", c.column.available}};
        if (!c.column.available) {
            j["unavailableReason"] = c.column.unavailable_reason;
            cols.push_back(j);
            continue;
        }
        j["startup"] = {{"readyMs", stat_json(c.ready_ms)}, {"exitMs", stat_json(c.exit_ms)}};
        if (c.wrapper_ms)
            j["startup"]["wrapperMs"] = {{"median", c.wrapper_ms->median()}, {"wrapped", stat_json(c.wrapper_ms->wrapped)},
                                         {"plain", stat_json(c.wrapper_ms->plain)}};
        j["cpu"] = {{"computeMs", stat_json(c.cpu_ms)}, {"syscallMs", stat_json(c.syscall_ms)}};
        if (auto x = ratio_to_bare(r, c, false)) j["cpu"]["computeRatio"] = *x;
        if (auto x = ratio_to_bare(r, c, true)) j["cpu"]["syscallRatio"] = *x;
        if (c.memory_mib) j["memoryMiB"] = *c.memory_mib;
        if (c.pss_mib) j["pssMiB"] = *c.pss_mib;
        if (c.kernel_mib) j["cgroupKernelMiB"] = *c.kernel_mib;
        if (c.density)
            j["density"] = {{"started", c.density->started}, {"seconds", c.density->seconds},
                            {"usedMiB", c.density->used_mib}, {"cap", c.density->cap},
                            {"stoppedBy", c.density->stopped_by}, {"projected", c.density->projected},
                            {"budgetMiB", r.options.budget_mib}};
        json io = json::object();
        if (c.io_root) io["rootfs"] = {{"writeMBps", c.io_root->write_mbps}, {"readMBps", c.io_root->read_mbps}};
        if (c.io_bind) io["hostDir"] = {{"writeMBps", c.io_bind->write_mbps}, {"readMBps", c.io_bind->read_mbps}};
        j["io"] = io;
        if (c.isolation)
            j["isolation"] = {{"boundary", c.isolation->boundary}, {"namespaces", c.isolation->namespaces},
                              {"capabilities", c.isolation->capabilities}, {"seccomp", c.isolation->seccomp},
                              {"noNewPrivs", c.isolation->no_new_privs}, {"kernel", c.isolation->kernel}};
        j["notes"] = c.notes;
        cols.push_back(j);
    }
    json ratios = json::array();
    for (const auto& [label, v] : peer_ratios(r)) ratios.push_back({{"what", label}, {"ratio", v}});
    return json{{"schemaVersion", 1},
                {"tool", "strata compare"},
                {"date", r.date},
                {"seconds", r.seconds},
                {"machine", r.machine.to_json()},
                {"options",
                 {{"startupRuns", r.options.startup_runs}, {"cpuIterations", r.options.cpu_iterations},
                  {"syscalls", r.options.syscalls}, {"budgetMiB", r.options.budget_mib}, {"ioMiB", r.options.io_mib},
                  {"thorough", r.options.thorough}}},
                {"columns", cols},
                {"ratios", ratios}};
}

std::string to_table(const Report& r) {
    auto rs = rows(r);
    size_t label_w = 0;
    for (const auto& [l, cells] : rs) label_w = std::max(label_w, l.size());
    std::vector<size_t> w;
    for (const auto& c : r.columns) w.push_back(title_of(c).size());
    for (const auto& [l, cells] : rs)
        for (size_t i = 0; i < cells.size(); ++i) w[i] = std::max(w[i], cells[i].size());
    auto pad = [](const std::string& s, size_t n) { return s + std::string(n > s.size() ? n - s.size() : 0, ' '); };
    std::ostringstream out;
    out << header(r) << "\n" << pad("", label_w);
    for (size_t i = 0; i < r.columns.size(); ++i) out << "  " << pad(title_of(r.columns[i]), w[i]);
    out << "\n" << std::string(label_w, '-');
    for (size_t i = 0; i < r.columns.size(); ++i) out << "  " << std::string(w[i], '-');
    out << "\n";
    for (const auto& [l, cells] : rs) {
        out << pad(l, label_w);
        for (size_t i = 0; i < cells.size(); ++i) out << "  " << pad(cells[i], w[i]);
        out << "\n";
    }
    std::string notes = footnotes(r);
    if (!notes.empty()) out << "\n" << notes;
    return out.str();
}

std::string to_markdown(const Report& r) {
    std::ostringstream out;
    std::string h = header(r);
    out << "### " << h.substr(0, h.find('\n')) << "\n\n";
    for (const auto& line : split_nonempty(h.substr(h.find('\n') + 1), '\n')) out << "- " << line << "\n";
    out << "\n| |";
    for (const auto& c : r.columns) out << " " << title_of(c) << " |";
    out << "\n|---|";
    for (size_t i = 0; i < r.columns.size(); ++i) out << "---|";
    out << "\n";
    for (const auto& [l, cells] : rows(r)) {
        out << "| " << trim(l) << " |";
        for (const auto& c : cells) out << " " << c << " |";
        out << "\n";
    }
    std::string notes = footnotes(r);
    if (!notes.empty()) {
        out << "\n";
        for (const auto& n : split_nonempty(notes, '\n')) out << "- " << trim(n) << "\n";
    }
    return out.str();
}

Result<> write_svg(const Report& r, const std::string& path) {
    if (!sys::exists("/usr/bin/gnuplot")) return error("--svg: gnuplot is not installed (apt-get install gnuplot-nox)");
    std::ostringstream script;
    script << "set terminal svg size 1100,460 dynamic font 'sans,11'\n"
           << "set output '" << path << "'\n"
           << "set multiplot layout 1,2 title 'strata compare: " << r.machine.cpu_model << ", kernel " << r.machine.kernel << "'\n"
           << "set style data histograms\nset style fill solid 0.8 border -1\nset boxwidth 0.8\n"
           << "set xtics rotate by -30 scale 0\nset grid ytics\nset key off\n";
    script << "$startup << EOD\n";
    for (const auto& c : r.columns)
        if (c.column.available && c.exit_ms.n) script << '"' << title_of(c) << "\" " << c.ready_ms.median << " " << c.exit_ms.median << "\n";
    script << "EOD\n";
    script << "set title 'Startup (median, ms, log scale)'\nset logscale y\nset key top left\n"
           << "plot $startup using 2:xtic(1) title 'to first instruction', '' using 3 title 'to exit'\n"
           << "unset logscale y\n";
    script << "$cpu << EOD\n";
    for (const auto& c : r.columns) {
        if (!c.column.available) continue;
        auto a = ratio_to_bare(r, c, false), b = ratio_to_bare(r, c, true);
        if (a && b) script << '"' << title_of(c) << "\" " << *a << " " << *b << "\n";
    }
    script << "EOD\n";
    script << "set title 'CPU time relative to bare metal (1 = no overhead)'\nset key top left\n"
           << "plot $cpu using 2:xtic(1) title 'compute loop', '' using 3 title 'syscall loop'\n"
           << "unset multiplot\n";
    FILE* p = ::popen("gnuplot 2>&1", "w");
    if (!p) return os_error(errno, "run gnuplot");
    std::string s = script.str();
    std::fwrite(s.data(), 1, s.size(), p);
    int st = ::pclose(p);
    if (st != 0) return error("gnuplot failed (exit " + std::to_string(WEXITSTATUS(st)) + ") writing " + quote(path));
    return {};
}

}  // namespace strata::compare
