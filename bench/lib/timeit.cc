// strata-timeit: runs commands interleaved (A B C A B C ...) and reports median, p95 and min
// wall time of each, and ratios to the first. No shell in the measured path: each command is
// spawned directly, timed from spawn to exit.
//
//   strata-timeit [-n RUNS] [-w WARMUP] [--env K=V]... [--ratio a/b]... 'label::cmd arg...' ...
// Commands are split on spaces; "{i}" in a command is replaced by the run number.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

struct Cmd {
    std::string label;
    std::vector<std::string> argv;
    std::vector<double> ms;
    int failures = 0;
};

static double now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int run(const std::vector<std::string>& argv, int i, double* ms) {
    std::vector<std::string> expanded = argv;
    for (auto& a : expanded) {
        size_t p = a.find("{i}");
        if (p != std::string::npos) a.replace(p, 3, std::to_string(i));
    }
    std::vector<char*> args;
    for (auto& a : expanded) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    double t0 = now_ms();
    pid_t pid;
    if (posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) return -1;
    int st = 0;
    waitpid(pid, &st, 0);
    *ms = now_ms() - t0;
    posix_spawn_file_actions_destroy(&fa);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static double pct(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    size_t k = static_cast<size_t>(p * (v.size() - 1) + 0.5);
    return v[k];
}

int main(int argc, char** argv) {
    int runs = 50, warmup = 5;
    bool json = false;
    std::vector<Cmd> cmds;
    std::vector<std::pair<std::string, std::string>> ratios;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "-n" && i + 1 < argc) runs = atoi(argv[++i]);
        else if (a == "-w" && i + 1 < argc) warmup = atoi(argv[++i]);
        else if (a == "--json") json = true;
        else if (a == "--env" && i + 1 < argc) putenv(argv[++i]);
        else if (a == "--ratio" && i + 1 < argc) {
            std::string r = argv[++i];
            auto slash = r.find('/');
            ratios.emplace_back(r.substr(0, slash), r.substr(slash + 1));
        }
        else {
            auto sep = a.find("::");
            if (sep == std::string::npos) {
                fprintf(stderr, "strata-timeit: expected label::command, got %s\n", a.c_str());
                return 2;
            }
            Cmd c;
            c.label = a.substr(0, sep);
            std::istringstream in(a.substr(sep + 2));
            std::string w;
            while (in >> w) c.argv.push_back(w);
            cmds.push_back(c);
        }
    }
    if (cmds.empty()) return 2;
    for (int i = -warmup; i < runs; ++i)
        for (auto& c : cmds) {
            double ms = 0;
            int rc = run(c.argv, i + 1000, &ms);
            if (rc != 0) {
                ++c.failures;
                if (c.failures == 1) fprintf(stderr, "strata-timeit: %s exited %d\n", c.label.c_str(), rc);
                continue;
            }
            if (i >= 0) c.ms.push_back(ms);
        }
    double base = cmds[0].ms.empty() ? 0 : pct(cmds[0].ms, 0.5);
    if (!json) printf("%-34s %9s %9s %9s %6s %8s\n", "command", "median", "p95", "min", "runs", "ratio");
    for (const auto& c : cmds) {
        if (c.ms.empty()) {
            printf(json ? "{\"label\":\"%s\",\"error\":\"all runs failed\"}\n" : "%-34s all runs failed\n", c.label.c_str());
            continue;
        }
        double med = pct(c.ms, 0.5), p95 = pct(c.ms, 0.95), mn = *std::min_element(c.ms.begin(), c.ms.end());
        if (json)
            printf("{\"label\":\"%s\",\"median_ms\":%.3f,\"p95_ms\":%.3f,\"min_ms\":%.3f,\"runs\":%zu,\"failures\":%d}\n",
                   c.label.c_str(), med, p95, mn, c.ms.size(), c.failures);
        else
            printf("%-34s %7.2fms %7.2fms %7.2fms %6zu %7.2fx\n", c.label.c_str(), med, p95, mn, c.ms.size(), base > 0 ? med / base : 0);
    }
    auto find = [&](const std::string& label) -> const Cmd* {
        for (const auto& c : cmds)
            if (c.label == label && !c.ms.empty()) return &c;
        return nullptr;
    };
    for (const auto& [a, b] : ratios) {
        const Cmd* x = find(a);
        const Cmd* y = find(b);
        if (!x || !y) continue;
        double mx = *std::min_element(x->ms.begin(), x->ms.end()), my = *std::min_element(y->ms.begin(), y->ms.end());
        printf(json ? "{\"ratio\":\"%s/%s\",\"median\":%.3f,\"min\":%.3f}\n" : "ratio %s / %s: %.2f (median), %.2f (min)\n",
               a.c_str(), b.c_str(), pct(x->ms, 0.5) / pct(y->ms, 0.5), mx / my);
    }
    return 0;
}
