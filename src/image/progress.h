#pragma once
// Download progress of a pull. On a terminal: one bar redrawn in place ten times a second;
// otherwise: one line per finished layer (logs stay readable).

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace strata::image {

class Progress {
public:
    // `out` writes a piece of text (stderr in the CLI); `tty` selects the bar.
    Progress(std::function<void(const std::string&)> out, bool tty, int64_t total_bytes, int layers);
    ~Progress();  // draws the final state and stops the drawing thread

    void add(int64_t bytes) { m_done += bytes; }
    void layer_done(const std::string& line);

private:
    void draw(bool final);
    std::function<void(const std::string&)> m_out;
    bool m_tty;
    int64_t m_total;
    int m_layers;
    std::atomic<int64_t> m_done{0};
    std::atomic<int> m_layers_done{0};
    std::mutex m_mu;  // one writer at a time
    std::jthread m_drawer;
};

// "12.3 MB"
std::string format_bytes(int64_t n);

}  // namespace strata::image
