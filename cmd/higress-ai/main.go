package main

import (
	"os"

	"github.com/higress-ai/higress-ai/internal/commands"
)

func main() { os.Exit(commands.Main()) }
