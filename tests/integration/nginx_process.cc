#include "tests/integration/nginx_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace persona::testing {
namespace {

bool Accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

}  // namespace

std::string RenderNginxConf(const std::string& conf, int port,
                            const std::vector<std::string>& upstreams, const std::string& prefix) {
  const std::regex server_line(R"((\n[ \t]*)server[ \t]+persona-shard-\d+:\d+([^;\n]*;))");
  std::smatch first;
  if (!std::regex_search(conf, first, server_line)) return "";
  std::string lines;
  for (const std::string& upstream : upstreams) {
    lines += first[1].str() + "server " + upstream + first[2].str();
  }
  // The first server line becomes the test's lines; the others go.
  std::string out = first.prefix().str() + lines +
                    std::regex_replace(first.suffix().str(), server_line, "");
  const std::regex listen(R"(listen[ \t]+50051[ \t]+http2;)");
  if (!std::regex_search(out, listen)) return "";
  out = std::regex_replace(out, listen, "listen 127.0.0.1:" + std::to_string(port) + " http2;");
  out = std::regex_replace(out, std::regex(R"(worker_processes[^;]*;)"), "worker_processes 2;");
  const std::string paths = "http {\n  client_body_temp_path " + prefix + "/body;\n" +
                            "  proxy_temp_path " + prefix + "/proxy;\n" +
                            "  fastcgi_temp_path " + prefix + "/fastcgi;\n" +
                            "  uwsgi_temp_path " + prefix + "/uwsgi;\n" +
                            "  scgi_temp_path " + prefix + "/scgi;\n";
  out = std::regex_replace(out, std::regex(R"(\nhttp \{\n)"), "\n" + paths);
  std::string head = "pid " + prefix + "/nginx.pid;\nerror_log " + prefix + "/error.log;\n";
  if (geteuid() == 0) head += "user root;\n";  // workers reach the 0700 prefix
  return head + out;
}

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

NginxProcess::NginxProcess() = default;

NginxProcess::~NginxProcess() { Stop(); }

bool NginxProcess::Start(const std::string& conf, int port) {
  const std::string path = dir_.path() + "/nginx.conf";
  {
    std::ofstream out(path, std::ios::trunc);
    out << conf;
  }
  std::vector<std::string> args = {"/usr/sbin/nginx", "-p", dir_.path(), "-c", path,
                                   "-e", dir_.path() + "/error.log", "-g", "daemon off;"};
  pid_ = fork();
  if (pid_ == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setpgid(0, 0);  // master and workers in one group, stopped together
    execv(argv[0], argv.data());
    std::perror("execv nginx");
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    if (Accepts(port)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::ifstream log(dir_.path() + "/error.log");
  std::stringstream text;
  text << log.rdbuf();
  std::fprintf(stderr, "nginx did not come up on port %d:\n%s\n", port, text.str().c_str());
  return false;
}

void NginxProcess::Stop() {
  if (pid_ <= 0) return;
  kill(-pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace persona::testing
