package ociplugin

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"

	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"
)

// Kind is what went wrong talking to a registry, for the caller to add its own hint.
type Kind int

// The kinds of registry failure a user can act on.
const (
	KindOther        Kind = iota
	KindUnauthorized      // 401: no or wrong credentials
	KindForbidden         // 403: credentials without the right to push
	KindNotFound          // 404: no such repository (or registry path)
	KindTLS               // the certificate is not trusted or the handshake failed
	KindPlainHTTP         // HTTPS was used and the registry answers plain HTTP
	KindUnreachable       // no connection at all
)

// RegistryError is one failed exchange with a registry, explained in one line.
type RegistryError struct {
	Kind       Kind
	Registry   string
	Repository string
	// Username is who the request went as ("" when the credentials came from the docker
	// config or there were none); HadCredentials says whether any were sent.
	Username       string
	HadCredentials bool
	Err            error
}

func (e *RegistryError) Error() string {
	switch e.Kind {
	case KindUnauthorized:
		switch {
		case e.Username != "":
			return fmt.Sprintf("registry %s refused the credentials of user %q (401 unauthorized)", e.Registry, e.Username)
		case e.HadCredentials:
			return fmt.Sprintf("registry %s refused the credentials found in the docker config (401 unauthorized)", e.Registry)
		}
		return fmt.Sprintf("registry %s needs credentials (401 unauthorized) and the docker config has none for it", e.Registry)
	case KindForbidden:
		return fmt.Sprintf("registry %s does not let these credentials push to %s (403 forbidden)", e.Registry, e.Repository)
	case KindNotFound:
		return fmt.Sprintf("repository %s not found on registry %s (404)", e.Repository, e.Registry)
	case KindTLS:
		return fmt.Sprintf("TLS with registry %s failed: %s", e.Registry, rootMessage(e.Err))
	case KindPlainHTTP:
		return fmt.Sprintf("registry %s answers plain HTTP, not HTTPS", e.Registry)
	case KindUnreachable:
		return fmt.Sprintf("cannot reach registry %s: %s", e.Registry, rootMessage(e.Err))
	}
	var resp *errcode.ErrorResponse
	if errors.As(e.Err, &resp) {
		detail := strings.ToLower(http.StatusText(resp.StatusCode))
		if len(resp.Errors) > 0 {
			detail = resp.Errors.Error()
		}
		return fmt.Sprintf("registry %s answered %d: %s", e.Registry, resp.StatusCode, detail)
	}
	return fmt.Sprintf("registry %s: %s", e.Registry, oneLine(e.Err.Error()))
}

func (e *RegistryError) Unwrap() error { return e.Err }

// explain turns an error of oras-go or net/http into a RegistryError; errors that are not about
// the registry (a cancelled context, an artifact that would not load) pass through.
func explain(err error, ref registry.Reference, username string, hadCredentials bool) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, ErrWouldNotLoad) {
		return err
	}
	e := &RegistryError{Registry: ref.Registry, Repository: ref.Repository, Username: username, HadCredentials: hadCredentials, Err: err}
	var resp *errcode.ErrorResponse
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var alert tls.AlertError
	var record tls.RecordHeaderError
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.Is(err, auth.ErrBasicCredentialNotFound):
		e.Kind = KindUnauthorized
	case errors.As(err, &resp):
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			e.Kind = KindUnauthorized
		case http.StatusForbidden:
			e.Kind = KindForbidden
		case http.StatusNotFound:
			e.Kind = KindNotFound
		}
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		e.Kind = KindPlainHTTP
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid),
		errors.As(err, &verify), errors.As(err, &alert), errors.As(err, &record):
		e.Kind = KindTLS
	case errors.As(err, &dns), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, context.DeadlineExceeded), errors.As(err, &op):
		e.Kind = KindUnreachable
	}
	return e
}

// rootMessage is the innermost error's text: "connection refused", not the whole chain of
// "Get \"https://...\": dial tcp 127.0.0.1:1: connect: connection refused".
func rootMessage(err error) string {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		if dns.IsNotFound {
			return "no such host " + dns.Name
		}
		return oneLine(dns.Error())
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time"
	}
	var unknownCA x509.UnknownAuthorityError
	if errors.As(err, &unknownCA) {
		return "its certificate is signed by an unknown authority"
	}
	var hostname x509.HostnameError
	if errors.As(err, &hostname) {
		return oneLine(hostname.Error())
	}
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return oneLine(err.Error())
		}
		err = next
	}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
