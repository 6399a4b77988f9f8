package ociplugin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/retry"
)

// Target is where to push.
type Target struct {
	// Ref is registry/repository:tag, with or without an oci:// prefix.
	Ref string
	// PlainHTTP talks HTTP instead of HTTPS (a local registry).
	PlainHTTP bool
	// Username and Password, when Username is set, are the credentials; otherwise they come from
	// the docker config ($DOCKER_CONFIG/config.json or ~/.docker/config.json) and its helpers.
	Username, Password string
	// HTTPClient carries the requests (default: oras-go's retrying client).
	HTTPClient *http.Client
}

// Progress is told how many bytes of how many were sent so far.
type Progress func(sent, total int64)

// Result is a push that was pulled back and would load.
type Result struct {
	// Ref is registry/repository:tag as parsed.
	Ref string `json:"ref"`
	// Digest is the image manifest's digest: what a WasmPlugin pins (its sha256 field).
	Digest string `json:"digest"`
	// URL is oci://registry/repository:tag@sha256:...
	URL string `json:"url"`
	// Variant is how the fetcher reads it (compat).
	Variant Variant `json:"variant"`
	// Sent and Reused count the blobs uploaded and those the registry already held.
	Sent   int `json:"sent"`
	Reused int `json:"reused"`
	// Bytes is what was uploaded.
	Bytes int64 `json:"bytes"`
}

// ParseRef parses registry/repository:tag (oci:// allowed); a tag is required.
func ParseRef(ref string) (registry.Reference, error) {
	r, err := registry.ParseReference(strings.TrimPrefix(ref, "oci://"))
	if err != nil {
		return registry.Reference{}, fmt.Errorf("invalid reference %q: want registry/repository:tag", ref)
	}
	if r.Reference == "" {
		return registry.Reference{}, fmt.Errorf("reference %q has no tag: want registry/repository:tag", ref)
	}
	if _, err := r.Digest(); err == nil {
		return registry.Reference{}, fmt.Errorf("reference %q is a digest: push to a tag (the digest is printed after the push)", ref)
	}
	return r, nil
}

// Push sends the artifact (blobs the registry already has are not sent again), tags it, then
// pulls the manifest back by tag and unpacks the module as the gateway's fetcher would. It
// succeeds only when the module pulled back is byte for byte the one pushed.
func Push(ctx context.Context, art Artifact, t Target, progress Progress) (Result, error) {
	ref, err := ParseRef(t.Ref)
	if err != nil {
		return Result{}, err
	}
	var hadCredentials bool
	repo, err := t.repository(ref, &hadCredentials)
	if err != nil {
		return Result{}, err
	}
	res := Result{Ref: ref.String()}
	fail := func(err error) (Result, error) {
		return Result{}, explain(err, ref, t.Username, hadCredentials)
	}

	blobs := append([]Blob{art.Config}, art.Layers...)
	var total int64
	for _, b := range blobs {
		total += b.Desc.Size
	}
	total += art.Manifest.Desc.Size
	var sent int64
	report := func(n int64) {
		sent += n
		if progress != nil {
			progress(sent, total)
		}
	}
	report(0)
	for _, b := range blobs {
		exists, err := repo.Exists(ctx, b.Desc)
		if err != nil {
			return fail(err)
		}
		if exists {
			res.Reused++
			report(b.Desc.Size)
			continue
		}
		if err := repo.Push(ctx, b.Desc, &countingReader{r: bytes.NewReader(b.Data), report: report}); err != nil {
			return fail(err)
		}
		res.Sent++
		res.Bytes += b.Desc.Size
	}
	if err := repo.PushReference(ctx, art.Manifest.Desc, bytes.NewReader(art.Manifest.Data), ref.Reference); err != nil {
		return fail(err)
	}
	res.Bytes += art.Manifest.Desc.Size
	report(art.Manifest.Desc.Size)

	desc, module, variant, err := Pull(ctx, repo, ref.Reference)
	if err != nil {
		return fail(err)
	}
	if desc.Digest != art.Manifest.Desc.Digest {
		return Result{}, fmt.Errorf("the registry answers %s for %s, not the manifest just pushed (%s): another push raced this one", desc.Digest, ref, art.Manifest.Desc.Digest)
	}
	sum := sha256.Sum256(module)
	if hex.EncodeToString(sum[:]) != art.ModuleSHA256 || int64(len(module)) != art.ModuleSize {
		return Result{}, fmt.Errorf("the module pulled back from %s differs from the one pushed", ref)
	}
	res.Digest = desc.Digest.String()
	res.Variant = variant
	res.URL = "oci://" + ref.String() + "@" + res.Digest
	return res, nil
}

// Pull reads the manifest a tag names and unpacks the module as the gateway's fetcher would.
func Pull(ctx context.Context, repo *remote.Repository, tag string) (ocispec.Descriptor, []byte, Variant, error) {
	desc, rc, err := repo.FetchReference(ctx, tag)
	if err != nil {
		return ocispec.Descriptor{}, nil, "", err
	}
	raw, err := io.ReadAll(io.LimitReader(rc, 4<<20))
	rc.Close()
	if err != nil {
		return ocispec.Descriptor{}, nil, "", err
	}
	module, variant, err := Extract(ctx, raw, repo.Fetch)
	if err != nil {
		return ocispec.Descriptor{}, nil, "", &loadError{err: err}
	}
	return desc, module, variant, nil
}

// Repository opens the repository a reference names, with the target's credentials.
func (t Target) Repository() (*remote.Repository, error) {
	ref, err := ParseRef(t.Ref)
	if err != nil {
		return nil, err
	}
	return t.repository(ref, new(bool))
}

// repository opens the repository; *hadCredentials is set once a credential was sent.
func (t Target) repository(ref registry.Reference, hadCredentials *bool) (*remote.Repository, error) {
	repo, err := remote.NewRepository(ref.Registry + "/" + ref.Repository)
	if err != nil {
		return nil, fmt.Errorf("invalid reference %q: %w", t.Ref, err)
	}
	repo.PlainHTTP = t.PlainHTTP
	lookup, err := t.credential(ref.Registry)
	if err != nil {
		return nil, err
	}
	cred := func(ctx context.Context, hostport string) (auth.Credential, error) {
		c, err := lookup(ctx, hostport)
		if err == nil && c != auth.EmptyCredential {
			*hadCredentials = true
		}
		return c, err
	}
	client := t.HTTPClient
	if client == nil {
		client = retry.DefaultClient
	}
	c := &auth.Client{Client: client, Cache: auth.NewCache(), Credential: cred}
	c.SetUserAgent("higress-ai")
	repo.Client = c
	return repo, nil
}

func (t Target) credential(host string) (auth.CredentialFunc, error) {
	if t.Username != "" {
		return auth.StaticCredential(host, auth.Credential{Username: t.Username, Password: t.Password}), nil
	}
	store, err := credentials.NewStoreFromDocker(credentials.StoreOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading the docker config for credentials: %w", err)
	}
	return credentials.Credential(store), nil
}

type countingReader struct {
	r      io.Reader
	report func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.report(int64(n))
	}
	return n, err
}

// loadError is an artifact the fetcher would refuse.
type loadError struct{ err error }

func (e *loadError) Error() string { return e.err.Error() }
func (e *loadError) Unwrap() error { return e.err }

// ErrWouldNotLoad matches an artifact pulled back that the gateway's fetcher would refuse.
var ErrWouldNotLoad = errors.New("the gateway would not load the artifact")

func (e *loadError) Is(target error) bool { return target == ErrWouldNotLoad }
