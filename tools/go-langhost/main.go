// Package gohost is pulumi-language-go, a small Go language host for the Pulumi CLI that
// `make pulumi-cli` builds from source (into tools/langhosts), beside the Python one.
//
// Why it exists: the official host is a separate Go module
// (github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3) that the Go module proxy reachable
// from our build machines does not serve (403). Machines with the official Pulumi CLI never
// use this file.
//
// Run builds the program with `go build` (Go's own build cache, outside the project, makes a
// second build quick) and runs the binary with the run information in the environment
// variables the Go SDK reads. InstallDependencies runs `go mod tidy`, GeneratePackage is
// Pulumi's pkg/v3/codegen/go, Link points the program's go.mod at each generated SDK (a
// `require` and a `replace` to its folder, as Pulumi's own Go host does). Everything else
// answers Unimplemented.
package gohost

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	pbempty "google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi-wa-webhook/tools/langhost"
	codegen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// exitCodeLoggedError is what a Go program exits with after it has logged its error to the
// engine (sdk/go/pulumi/run.go).
const exitCodeLoggedError = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
}

// New is the host, talking to the engine at engineAddress.
func New(engineAddress string) pulumirpc.LanguageRuntimeServer {
	return &host{engineAddress: engineAddress}
}

func (h *host) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// build compiles the program in dir (the `binary` runtime option names a prebuilt one instead).
func build(ctx context.Context, info *pulumirpc.ProgramInfo) (bin string, cleanup func(), err error) {
	if info.GetOptions() != nil {
		if prebuilt, ok := info.GetOptions().AsMap()["binary"].(string); ok && prebuilt != "" {
			if !filepath.IsAbs(prebuilt) {
				prebuilt = filepath.Join(info.GetRootDirectory(), prebuilt)
			}
			return prebuilt, func() {}, nil
		}
	}
	f, err := os.CreateTemp("", "pulumi-go.*")
	if err != nil {
		return "", nil, err
	}
	_ = f.Close()
	cleanup = func() { _ = os.Remove(f.Name()) }
	cmd := exec.CommandContext(ctx, "go", "build", "-buildvcs=false", "-o", f.Name(), ".")
	cmd.Dir = info.GetProgramDirectory()
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("go build in %s failed: %w", cmd.Dir, err)
	}
	return f.Name(), cleanup, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	bin, cleanup, err := build(ctx, req.GetInfo())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	defer cleanup()
	cfg, secretKeys, err := langhost.ConfigJSON(req)
	if err != nil {
		return nil, err
	}
	env := os.Environ()
	add := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	add("PULUMI_ORGANIZATION", req.GetOrganization())
	add("PULUMI_PROJECT", req.GetProject())
	add("PULUMI_ROOT_DIRECTORY", req.GetInfo().GetRootDirectory())
	add("PULUMI_STACK", req.GetStack())
	add("PULUMI_CONFIG", cfg)
	add("PULUMI_CONFIG_SECRET_KEYS", secretKeys)
	add("PULUMI_DRY_RUN", strconv.FormatBool(req.GetDryRun()))
	add("PULUMI_PARALLEL", strconv.Itoa(int(req.GetParallel())))
	add("PULUMI_MONITOR", req.GetMonitorAddress())
	add("PULUMI_ENGINE", h.engineAddress)

	cmd := exec.CommandContext(ctx, bin, req.GetArgs()...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitCodeLoggedError {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	cmd := exec.CommandContext(server.Context(), "go", "mod", "tidy")
	cmd.Dir = req.GetInfo().GetProgramDirectory()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go mod tidy: %w", err)
	}
	return closer.Close()
}

func (h *host) GeneratePackage(_ context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	if len(req.GetExtraFiles()) > 0 {
		return nil, errors.New("overlays are not supported for Go")
	}
	return langhost.GeneratePackage(req, func(pkg *schema.Package, _ schema.ReferenceLoader,
		req *pulumirpc.GeneratePackageRequest,
	) (map[string][]byte, error) {
		files, err := codegen.GeneratePackage("pulumi-language-go", pkg, req.GetLocalDependencies())
		if err == nil && files["go.mod"] != nil {
			files["go.mod"] = pinPulumiSDK(files["go.mod"])
		}
		return files, err
	})
}

// sdkRequire is the generated go.mod's requirement of the Pulumi Go SDK.
var sdkRequire = regexp.MustCompile(`(?m)^(require\s+github\.com/pulumi/pulumi/sdk/v3\s+)v\S+`)

// pinPulumiSDK makes a generated SDK require the Pulumi Go SDK of this CLI's version rather
// than the generator's fixed floor (v3.269.0, whose dependencies the Go module proxy here
// no longer serves), so `go mod tidy` in a program that links it resolves.
func pinPulumiSDK(gomod []byte) []byte {
	if !strings.HasPrefix(version.Version, "v3.") {
		return gomod
	}
	return sdkRequire.ReplaceAll(gomod, []byte("${1}"+version.Version))
}

// moduleLine is the `module` directive of a go.mod.
var moduleLine = regexp.MustCompile(`(?m)^module\s+(\S+)\s*$`)

// Link adds each generated SDK to the program's go.mod: `require MODULE vVERSION` and
// `replace MODULE => ./PATH` (the SDK's folder, relative to the program, with its own go.mod);
// `pulumi package add` then calls InstallDependencies (`go mod tidy`).
func (h *host) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	linked, err := langhost.LinkedPackages(ctx, req, "go", codegen.Importer)
	if err != nil {
		return nil, err
	}
	var imports strings.Builder
	for _, l := range linked {
		sdk := l.Path
		if !filepath.IsAbs(sdk) {
			sdk = filepath.Join(dir, sdk)
		}
		gomod, err := os.ReadFile(filepath.Join(sdk, "go.mod"))
		if err != nil {
			return nil, fmt.Errorf("linking %s: the generated Go SDK has no go.mod: %w", l.Pkg.Name, err)
		}
		match := moduleLine.FindSubmatch(gomod)
		if match == nil {
			return nil, fmt.Errorf("linking %s: no module line in %s/go.mod", l.Pkg.Name, sdk)
		}
		module := string(match[1])
		rel, err := filepath.Rel(dir, sdk)
		if err != nil {
			return nil, err
		}
		rel = "./" + filepath.ToSlash(rel)
		version := "v0.0.0"
		if l.Pkg.Version != nil {
			version = "v" + l.Pkg.Version.String()
		}
		cmd := exec.CommandContext(ctx, "go", "mod", "edit",
			"-require="+module+"@"+version, "-replace="+module+"="+rel)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go mod edit in %s: %w: %s", dir, err, out)
		}
		importPath := module
		if info, ok := l.Pkg.Language["go"].(codegen.GoPackageInfo); ok && info.ImportBasePath != "" {
			importPath = info.ImportBasePath
		}
		fmt.Fprintf(&imports, "  import \"%s\"\n", importPath)
	}
	return &pulumirpc.LinkResponse{
		ImportInstructions: "You can import the SDK in your Go code with:\n\n" + imports.String(),
	}, nil
}
