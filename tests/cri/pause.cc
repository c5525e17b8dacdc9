// The pod sandbox's process for the CRI tests (what kubelet's pause image holds): it waits for
// SIGTERM or SIGINT and exits 0, and as the pod's pid 1 it reaps the orphans of the containers
// that share its pid namespace. Static: the image holds this file alone.

#include <signal.h>
#include <sys/wait.h>

int main() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0) continue;
        if (sig != SIGCHLD) return 0;
        while (waitpid(-1, nullptr, WNOHANG) > 0) {
        }
    }
}
