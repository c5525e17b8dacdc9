#include "image/progress.h"

#include <chrono>
#include <cstdio>

namespace strata::image {

std::string format_bytes(int64_t n) {
    char buf[32];
    if (n < 1000 * 1000) std::snprintf(buf, sizeof buf, "%.1f kB", static_cast<double>(n) / 1e3);
    else if (n < 1000LL * 1000 * 1000) std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(n) / 1e6);
    else std::snprintf(buf, sizeof buf, "%.2f GB", static_cast<double>(n) / 1e9);
    return buf;
}

Progress::Progress(std::function<void(const std::string&)> out, bool tty, int64_t total_bytes, int layers)
    : m_out(std::move(out)), m_tty(tty), m_total(total_bytes), m_layers(layers) {
    if (!m_tty || m_layers == 0) return;
    m_drawer = std::jthread([this](std::stop_token st) {
        while (!st.stop_requested()) {
            draw(false);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
}

Progress::~Progress() {
    if (!m_drawer.joinable()) return;
    m_drawer.request_stop();
    m_drawer.join();
    draw(true);
}

void Progress::layer_done(const std::string& line) {
    ++m_layers_done;
    if (m_tty) return;
    std::lock_guard l(m_mu);
    m_out(line + "\n");
}

void Progress::draw(bool final) {
    constexpr int kWidth = 30;
    int64_t done = m_done.load();
    double frac = m_total > 0 ? static_cast<double>(done) / static_cast<double>(m_total) : 0;
    if (frac > 1) frac = 1;
    int fill = static_cast<int>(frac * kWidth);
    std::string bar(static_cast<size_t>(fill), '=');
    if (fill < kWidth) bar += '>';
    bar.resize(kWidth, ' ');
    std::string line = "\rCopying " + std::to_string(m_layers_done.load()) + "/" + std::to_string(m_layers) +
                       " layers [" + bar + "] " + format_bytes(done) + " / " + format_bytes(m_total) + "\033[K";
    std::lock_guard l(m_mu);
    m_out(line + (final ? "\n" : ""));
}

}  // namespace strata::image
