#!/usr/bin/env node
// Writes oclif.manifest.json so that a CLI call reads the commands' flags and help from one file
// instead of building them from every command class at start (the oclif dev CLI would do this;
// it is 54 MB). The commands come from dist/bundle/ganeti.cjs (package.json: explicit discovery).
import {existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {Plugin} from '@oclif/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true});
await plugin.load();
// The bundles sort command ids by code unit instead of localeCompare (scripts/bundle-cli.js):
// the same order as long as ids are lowercase ASCII.
const ids = Object.keys(plugin.manifest.commands);
const byCodeUnit = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const byLocale = [...ids].sort((a, b) => a.localeCompare(b));
if (byCodeUnit.join() !== byLocale.join())
  throw new Error(`command ids sort differently by code unit and by locale: ${byCodeUnit.join()} / ${byLocale.join()}`);
// Replaced by a rename and only when it changed: a CLI started by a test run beside this build
// never reads half a manifest.
const file = join(root, 'oclif.manifest.json');
const text = JSON.stringify(plugin.manifest);
if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
  writeFileSync(`${file}.${process.pid}.tmp`, text);
  renameSync(`${file}.${process.pid}.tmp`, file);
}
