// tests/duckdb/sql.mjs: run SQL in DuckDB (in memory, in the current directory) and print the results.
// Usage: node sql.mjs [FILE.sql|-]   (standard input when FILE is - or missing)
// For each statement that returns rows: a line "# name TYPE<TAB>name TYPE...", then one JSON
// object per row (DuckDB's JSON form of each value: big integers as strings). Exit 1 on an error.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2] ?? '-';
const sql = readFileSync(file === '-' ? 0 : file, 'utf8');
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
try {
	const stmts = await conn.extractStatements(sql);
	for (let i = 0; i < stmts.count; i++) {
		const prepared = await stmts.prepare(i);
		const reader = await prepared.runAndReadAll();
		const names = reader.columnNames();
		if (names.length === 0)
			continue;
		const types = reader.columnTypes().map(String);
		process.stdout.write('# ' + names.map((n, k) => `${n} ${types[k]}`).join('\t') + '\n');
		for (const row of reader.getRowObjectsJson())
			process.stdout.write(JSON.stringify(row) + '\n');
	}
} catch (e) {
	process.stderr.write(`sql.mjs: ${e.message}\n`);
	process.exitCode = 1;
} finally {
	conn.closeSync();
	instance.closeSync();
}
