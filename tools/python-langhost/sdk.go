package pythonhost

// The calls `pulumi package gen-sdk` and `pulumi package add` make: GeneratePackage (Pulumi's
// pkg/v3/codegen/python), Link (the SDK's path added to requirements.txt) and
// InstallDependencies (pip install -r requirements.txt into the project's virtualenv), the
// last two with the pip toolchain of sdk/v3/python/toolchain that Pulumi's own host uses.

import (
	"context"
	"fmt"
	"strings"

	codegen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"

	"github.com/pulumi-wa-webhook/tools/langhost"
)

func (h *host) GeneratePackage(_ context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	return langhost.GeneratePackage(req, func(pkg *schema.Package, loader schema.ReferenceLoader,
		req *pulumirpc.GeneratePackageRequest,
	) (map[string][]byte, error) {
		return codegen.GeneratePackage("pulumi-language-python", pkg, req.GetExtraFiles(), loader)
	})
}

// pip is the pip toolchain for the program's `virtualenv` option (relative to the project
// root); without the option pip installs into the interpreter on PATH, as Pulumi's host does.
func pip(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, error) {
	venv := ""
	if info.GetOptions() != nil {
		venv, _ = info.GetOptions().AsMap()["virtualenv"].(string)
	}
	return toolchain.ResolveToolchain(toolchain.PythonOptions{
		Root:       info.GetRootDirectory(),
		ProgramDir: info.GetProgramDirectory(),
		Virtualenv: venv,
		Toolchain:  toolchain.Pip,
	})
}

func (h *host) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	linked, err := langhost.LinkedPackages(ctx, req, "python", codegen.Importer)
	if err != nil {
		return nil, err
	}
	packages := map[string]string{}
	var imports strings.Builder
	for _, l := range linked {
		name := strings.ReplaceAll(l.Pkg.Name, "-", "_")
		if info, ok := l.Pkg.Language["python"].(codegen.PackageInfo); ok && info.PackageName != "" {
			name = info.PackageName
		}
		packages[name] = l.Path
		fmt.Fprintf(&imports, "  import %s\n", name)
	}
	tc, err := pip(req.GetInfo())
	if err != nil {
		return nil, err
	}
	if err := tc.LinkPackages(ctx, packages); err != nil {
		return nil, fmt.Errorf("linking packages: %w", err)
	}
	return &pulumirpc.LinkResponse{
		ImportInstructions: "You can import the SDK in your Python code with:\n\n" + imports.String(),
	}, nil
}

func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	tc, err := pip(req.GetInfo())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Installing dependencies...")
	if err := tc.InstallDependencies(server.Context(), req.GetInfo().GetProgramDirectory(),
		false, true, stdout, stderr); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Finished installing dependencies")
	return closer.Close()
}
