#pragma once
// ScopeExit: runs a callable when the scope ends unless dismissed; for rollback of multi-step setup.

#include <utility>

namespace strata {

template <class F>
class ScopeExit {
public:
    explicit ScopeExit(F f) : m_f(std::move(f)) {}
    ScopeExit(const ScopeExit&) = delete;
    ScopeExit& operator=(const ScopeExit&) = delete;
    ~ScopeExit() {
        if (m_active) m_f();
    }
    void dismiss() { m_active = false; }

private:
    F m_f;
    bool m_active = true;
};

}  // namespace strata
