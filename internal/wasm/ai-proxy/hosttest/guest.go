package hosttest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/wazero/api"
)

// Guest is the compiled plugin's module instance inside a WasmVMContext: its linear memory (the
// plugin's whole heap) and the proxy_on_delete export.
//
// proxytest's wasm VM never calls proxy_on_delete, so every request's context would stay in the
// plugin forever, which Envoy does not do. The VM keeps the module unexported; Guest finds it by
// reflection (the VM's bound proxy_on_log function points back at its module), which ties this to
// the wazero version go.mod pins: a wazero upgrade that moves it makes GuestOf fail loudly.
type Guest struct {
	mod      api.Module
	onDelete api.Function
}

// GuestOf finds the module instance behind vm.
func GuestOf(vm proxytest.WasmVMContext) (*Guest, error) {
	mod := findModule(reflect.ValueOf(vm), 10)
	if mod == nil {
		return nil, errors.New("no wazero module found inside the proxytest VM: has the wazero or SDK version changed?")
	}
	g := &Guest{mod: mod, onDelete: mod.ExportedFunction("proxy_on_delete")}
	if g.onDelete == nil || mod.Memory() == nil {
		return nil, fmt.Errorf("the module has no proxy_on_delete export or no memory")
	}
	return g, nil
}

// findModule walks pointers, interfaces and struct fields (exported or not) for a wasm module
// instance, depth-first, up to depth levels.
func findModule(v reflect.Value, depth int) api.Module {
	if depth < 0 || !v.IsValid() {
		return nil
	}
	if v.CanAddr() {
		// Read unexported fields too: a copy of the value seen through its address.
		v = reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
	}
	if v.Kind() == reflect.Pointer && !v.IsNil() && v.CanInterface() {
		if m, ok := v.Interface().(api.Module); ok && v.Elem().Type().Name() == "ModuleInstance" {
			return m
		}
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return findModule(v.Elem(), depth-1)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if m := findModule(v.Field(i), depth-1); m != nil {
				return m
			}
		}
	}
	return nil
}

// MemoryBytes is the plugin's linear memory size: it only grows.
func (g *Guest) MemoryBytes() uint32 { return g.mod.Memory().Size() }

// Delete tells the plugin a context is gone, as Envoy does after the access log.
func (g *Guest) Delete(contextID uint32) error {
	_, err := g.onDelete.Call(context.Background(), uint64(contextID))
	return err
}
