// Command langhosts is the project's stand-in language hosts in one executable, which
// tools/pulumi-cli.sh installs under three names (hard links): pulumi-language-python,
// pulumi-language-nodejs and pulumi-language-go. The name it is started by picks the host,
// so the cache holds one copy of the code the three share (Pulumi's code generators, gRPC).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	gohost "github.com/pulumi-wa-webhook/tools/go-langhost"
	"github.com/pulumi-wa-webhook/tools/langhost"
	nodejshost "github.com/pulumi-wa-webhook/tools/nodejs-langhost"
	pythonhost "github.com/pulumi-wa-webhook/tools/python-langhost"
)

var hosts = map[string]func(engineAddress string) pulumirpc.LanguageRuntimeServer{
	"pulumi-language-python": pythonhost.New,
	"pulumi-language-nodejs": nodejshost.New,
	"pulumi-language-go":     gohost.New,
}

func main() {
	name := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	newHost, ok := hosts[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "%s: start me as pulumi-language-python, -nodejs or -go\n", name)
		os.Exit(2)
	}
	langhost.Main(name, newHost)
}
