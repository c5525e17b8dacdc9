#include "vm/monitor/output_sink.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace strata::vm {

void OutputSink::push(std::string_view data, size_t units) {
    if (m_gone || m_fd < 0 || data.empty()) {
        m_acks += units;
        return;
    }
    m_frames.push_back({std::string(data), 0, units});
}

void OutputSink::on_writable() {
    if (m_frames.empty()) return;
    Frame& f = m_frames.front();
    size_t n = std::min(kChunk, f.bytes.size() - f.done);
    ssize_t w = ::write(m_fd, f.bytes.data() + f.done, n);
    if (w < 0) {
        if (errno == EINTR || errno == EAGAIN) return;
        // The reader is gone (EPIPE) or the fd is unusable: what is queued will never be read.
        m_gone = true;
        for (const auto& q : m_frames) m_acks += q.units;
        m_frames.clear();
        return;
    }
    f.done += static_cast<size_t>(w);
    if (f.done == f.bytes.size()) {
        m_acks += f.units;
        m_frames.pop_front();
    }
}

}  // namespace strata::vm
