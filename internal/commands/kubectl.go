package commands

import (
	"strings"

	"github.com/spf13/cobra"
)

// kubectlPluginBinary is the name krew installs the binary under: `kubectl higress-ai ...` runs
// it (kubectl maps the dash of a plugin name to an underscore in the file name).
const kubectlPluginBinary = "kubectl-higress_ai"

// displayName is how the command tree calls itself for the binary invoked as argv0: as a kubectl
// plugin, "kubectl higress-ai", so help, usage lines and examples show what the user types.
func displayName(argv0 string) string {
	// Either separator: the same binary name comes from Windows too.
	base := argv0[strings.LastIndexAny(argv0, `/\`)+1:]
	base = strings.TrimSuffix(base, ".exe")
	if base == kubectlPluginBinary {
		return "kubectl higress-ai"
	}
	return "higress-ai"
}

// renameTree makes every command's help say name instead of higress-ai.
func renameTree(root *cobra.Command, name string) {
	if name == root.Name() {
		return
	}
	if root.Annotations == nil {
		root.Annotations = map[string]string{}
	}
	root.Annotations[cobra.CommandDisplayNameAnnotation] = name
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Example = strings.ReplaceAll(c.Example, "$ higress-ai", "$ "+name)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
