#include "sys/thread.h"

#include <string>

namespace strata::sys {
namespace {

void noop_handler(int) {}

Result<> change_mask(int how, int sig, const char* verb) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    if (int err = ::pthread_sigmask(how, &set, nullptr); err != 0)
        return os_error(err, std::string(verb) + " signal " + std::to_string(sig));
    return {};
}

}  // namespace

Result<> install_noop_handler(int sig) {
    struct sigaction sa{};
    sa.sa_handler = noop_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: the interrupted ioctl must return EINTR
    if (::sigaction(sig, &sa, nullptr) < 0) {
        const int err = errno;
        return os_error(err, "sigaction " + std::to_string(sig));
    }
    return {};
}

Result<> block_signal(int sig) { return change_mask(SIG_BLOCK, sig, "block"); }
Result<> unblock_signal(int sig) { return change_mask(SIG_UNBLOCK, sig, "unblock"); }

Result<sigset_t> current_signal_mask() {
    sigset_t set;
    if (int err = ::pthread_sigmask(SIG_SETMASK, nullptr, &set); err != 0)
        return os_error(err, "read signal mask");
    return set;
}

Result<> signal_thread(pthread_t thread, int sig, std::string_view what) {
    if (int err = ::pthread_kill(thread, sig); err != 0)
        return os_error(err, "signal " + std::string(what));
    return {};
}

}  // namespace strata::sys
