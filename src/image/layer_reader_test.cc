// Layer streaming without root: digests of plain and compressed layers, tar members read in
// place, and entry names that leave the layer.

#include "image/layer_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "image/dl/archive_api.h"
#include "image/tar_index.h"
#include "image/unpack.h"

namespace strata::image {
namespace {

class Tmp {
public:
    Tmp() {
        char t[] = "/tmp/strata-image-unit.XXXXXX";
        m_path = mkdtemp(t);
    }
    ~Tmp() { (void)!std::system(("rm -rf '" + m_path + "'").c_str()); }
    const std::string& path() const { return m_path; }
    void write(const std::string& name, const std::string& text) const { std::ofstream(m_path + "/" + name) << text; }
    std::string read(const std::string& name) const {
        std::ifstream in(m_path + "/" + name);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    void sh(const std::string& cmd) const { ASSERT_EQ(std::system(("cd '" + m_path + "' && " + cmd).c_str()), 0) << cmd; }

private:
    std::string m_path;
};

std::string hash_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return *sha256_of(s.str());
}

TEST(LayerReader, DigestsOfPlainAndCompressedLayers) {
    Tmp t;
    t.sh("mkdir -p root/d && echo hello > root/d/f && ln -s f root/d/l && tar -C root -cf layer.tar . && "
         "gzip -n -c layer.tar > layer.tar.gz && zstd -q -c layer.tar > layer.tar.zst");
    std::string diff_id = hash_file(t.path() + "/layer.tar");
    for (const char* name : {"layer.tar", "layer.tar.gz", "layer.tar.zst"}) {
        int fd = ::open((t.path() + "/" + name).c_str(), O_RDONLY | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        auto r = LayerReader::open(FileRange{fd, 0, -1}, name);
        ASSERT_TRUE(r) << r.error().message();
        std::vector<std::string> names;
        for (;;) {
            auto e = (*r)->next();
            ASSERT_TRUE(e) << e.error().message();
            if (!*e) break;
            names.push_back((*r)->api().entry_pathname(*e));
        }
        auto d = (*r)->finish();
        ASSERT_TRUE(d) << d.error().message();
        EXPECT_EQ(d->diff_id, diff_id) << name;
        EXPECT_EQ(d->blob, hash_file(t.path() + "/" + name)) << name;
        EXPECT_EQ(names.size(), 4u) << name;  // ./ ./d/ ./d/f ./d/l
        ::close(fd);
    }
}

TEST(TarIndex, MembersAreReadInPlace) {
    Tmp t;
    t.sh("mkdir -p a/sub && printf one > a/one && head -c 100000 /dev/urandom > a/sub/big && "
         "ln -s ../one a/sub/link && tar -C a -cf outer.tar .");
    int fd = ::open((t.path() + "/outer.tar").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    auto idx = TarIndex::scan(fd, "outer.tar");
    ASSERT_TRUE(idx) << idx.error().message();
    auto read_range = [&](FileRange r) {
        std::string out(static_cast<size_t>(r.length), '\0');
        EXPECT_EQ(::pread(fd, out.data(), out.size(), r.offset), r.length);
        return out;
    };
    EXPECT_EQ(read_range(*idx->find("one")), "one");
    EXPECT_EQ(read_range(*idx->find("./sub/big")), t.read("a/sub/big"));
    EXPECT_EQ(read_range(*idx->find("sub/link")), "one");  // a symlink inside the archive
    EXPECT_FALSE(idx->find("missing"));
    EXPECT_FALSE(idx->find("sub"));
    ::close(fd);
}

TEST(Unpack, EntryComponents) {
    EXPECT_EQ(*entry_components("./a/b/"), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(*entry_components("/abs//x"), (std::vector<std::string>{"abs", "x"}));
    EXPECT_TRUE(entry_components("./")->empty());
    EXPECT_FALSE(entry_components("../../etc/passwd"));
    EXPECT_FALSE(entry_components("a/../../b"));
    EXPECT_FALSE(entry_components("a/.."));
    EXPECT_EQ(clean_member_path("./a/./b/../c"), "a/c");
}

}  // namespace
}  // namespace strata::image
