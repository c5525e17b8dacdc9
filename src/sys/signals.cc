#include "sys/signals.h"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "base/strings.h"

namespace strata::sys {
namespace {

struct Named {
    const char* name;
    int sig;
};
constexpr Named kSignals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},       {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},     {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL},     {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},     {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},         {"POLL", SIGPOLL},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

}  // namespace

std::optional<int> parse_signal(std::string_view s) {
    if (auto n = parse_int(s)) {
        if (*n > 0 && *n <= SIGRTMAX) return static_cast<int>(*n);
        return std::nullopt;
    }
    std::string up(s);
    std::transform(up.begin(), up.end(), up.begin(), [](unsigned char c) { return std::toupper(c); });
    if (up.starts_with("SIG")) up.erase(0, 3);
    for (const auto& n : kSignals)
        if (up == n.name) return n.sig;
    if (up.starts_with("RTMIN")) {
        std::string_view rest = std::string_view(up).substr(5);
        int off = 0;
        if (!rest.empty()) {
            if (rest[0] != '+') return std::nullopt;
            auto v = parse_int(rest.substr(1));
            if (!v) return std::nullopt;
            off = static_cast<int>(*v);
        }
        if (SIGRTMIN + off <= SIGRTMAX && off >= 0) return SIGRTMIN + off;
    }
    if (up.starts_with("RTMAX")) {
        std::string_view rest = std::string_view(up).substr(5);
        int off = 0;
        if (!rest.empty()) {
            if (rest[0] != '-') return std::nullopt;
            auto v = parse_int(rest.substr(1));
            if (!v) return std::nullopt;
            off = static_cast<int>(*v);
        }
        if (SIGRTMAX - off >= SIGRTMIN && off >= 0) return SIGRTMAX - off;
    }
    return std::nullopt;
}

std::string signal_name(int sig) {
    for (const auto& n : kSignals)
        if (n.sig == sig && std::string_view(n.name) != "IOT" && std::string_view(n.name) != "POLL")
            return std::string("SIG") + n.name;
    if (sig >= SIGRTMIN && sig <= SIGRTMAX) return "SIGRTMIN+" + std::to_string(sig - SIGRTMIN);
    return "signal " + std::to_string(sig);
}

void reset_signal_state() {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
}

}  // namespace strata::sys
