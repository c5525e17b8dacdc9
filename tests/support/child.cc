#include "tests/support/child.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace strata::test {

std::string output_of_child(const std::function<std::string()>& body) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return "<pipe failed>";
    pid_t child = ::fork();
    if (child < 0) return "<fork failed>";
    if (child == 0) {
        ::close(p[0]);
        std::string out = body();
        for (size_t done = 0; done < out.size();) {
            ssize_t n = ::write(p[1], out.data() + done, out.size() - done);
            if (n <= 0) break;
            done += static_cast<size_t>(n);
        }
        ::_exit(0);
    }
    ::close(p[1]);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    ::close(p[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "<the child died: " + out + ">";
    return out;
}

}  // namespace strata::test
