// Package langhost holds what the project's stand-in language hosts (tools/python-langhost,
// tools/nodejs-langhost, tools/go-langhost) share: serving the LanguageRuntime gRPC service,
// the program's configuration as the SDKs read it, and the code-generation calls
// (GeneratePackage, loading linked packages) that only differ by generator.
//
// Machines with the official Pulumi CLI use Pulumi's own hosts and never this code.
package langhost

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Main parses the flags the engine passes (-root, -tracing, ...; the engine address is the
// last positional argument), serves the host that newHost builds and prints its port.
func Main(name string, newHost func(engineAddress string) pulumirpc.LanguageRuntimeServer) {
	flag.String("root", "", "project root (unused: the requests carry it)")
	flag.String("tracing", "", "tracing endpoint (unused)")
	flag.String("virtualenv", "", "virtualenv (unused: taken from the program's options)")
	flag.Parse()
	engine := ""
	if flag.NArg() > 0 {
		engine = flag.Arg(0)
	}
	host := newHost(engine)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// ConfigJSON is the stack configuration and its secret keys as JSON, never null (the SDKs
// iterate both).
func ConfigJSON(req *pulumirpc.RunRequest) (config, secretKeys string, err error) {
	configMap := req.GetConfig()
	if configMap == nil {
		configMap = map[string]string{}
	}
	keys := req.GetConfigSecretKeys()
	if keys == nil {
		keys = []string{}
	}
	c, err := json.Marshal(configMap)
	if err != nil {
		return "", "", err
	}
	k, err := json.Marshal(keys)
	if err != nil {
		return "", "", err
	}
	return string(c), string(k), nil
}

// Generator is one of Pulumi's code generators (pkg/v3/codegen/<language>) applied to a bound
// package; it returns the SDK's files by relative path.
type Generator func(pkg *schema.Package, loader schema.ReferenceLoader,
	req *pulumirpc.GeneratePackageRequest) (map[string][]byte, error)

// GeneratePackage binds the request's schema, runs gen and writes the files under
// req.Directory; schema errors come back as diagnostics, as Pulumi's hosts answer.
func GeneratePackage(req *pulumirpc.GeneratePackageRequest, gen Generator,
) (*pulumirpc.GeneratePackageResponse, error) {
	client, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer client.Close()
	loader := schema.NewCachedLoader(client)

	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.GetSchema()), &spec); err != nil {
		return nil, fmt.Errorf("reading the schema: %w", err)
	}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{
		AllowDanglingReferences: true,
	})
	if err != nil {
		return nil, err
	}
	rpcDiags := plugin.HclDiagnosticsToRPCDiagnostics(diags)
	if diags.HasErrors() {
		return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiags}, nil
	}
	files, err := gen(pkg, loader, req)
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		out := filepath.Join(req.GetDirectory(), name)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(out, data, 0o644); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiags}, nil
}

// Linked is a package `pulumi package add` asks a host to link: its bound schema (with the
// host's language section imported) and where its generated SDK is, relative to the project.
type Linked struct {
	Pkg  *schema.Package
	Path string
}

// LinkedPackages loads the schemas of the packages in a Link request through the engine's
// loader and imports the language section named by lang with importer.
func LinkedPackages(ctx context.Context, req *pulumirpc.LinkRequest, lang string,
	importer schema.Language,
) ([]Linked, error) {
	client, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer client.Close()
	loader := schema.NewCachedLoader(client)
	var linked []Linked
	for _, dep := range req.GetPackages() {
		desc := &schema.PackageDescriptor{
			Name:        dep.GetPackage().GetName(),
			DownloadURL: dep.GetPackage().GetServer(),
		}
		if v, err := semver.New(dep.GetPackage().GetVersion()); err == nil {
			desc.Version = v
		}
		ref, err := schema.LoadPackageReferenceV2(ctx, loader, desc)
		if err != nil {
			return nil, err
		}
		pkg, err := ref.Definition()
		if err != nil {
			return nil, err
		}
		if err := pkg.ImportLanguages(map[string]schema.Language{lang: importer}); err != nil {
			return nil, err
		}
		linked = append(linked, Linked{Pkg: pkg, Path: dep.GetPath()})
	}
	return linked, nil
}
