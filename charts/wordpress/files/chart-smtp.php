<?php
/*
 * Plugin Name: Chart SMTP
 * Description: Sends WordPress mail through the SMTP server of the chart's smtp.* values (env WORDPRESS_SMTP_*).
 */
add_action('phpmailer_init', function ($mailer) {
    $host = getenv('WORDPRESS_SMTP_HOST');
    if (!$host) {
        return;
    }
    $mailer->isSMTP();
    $mailer->Host = $host;
    $mailer->Port = (int) getenv('WORDPRESS_SMTP_PORT');
    $secure = getenv('WORDPRESS_SMTP_SECURE');
    $mailer->SMTPSecure = $secure === 'none' ? '' : $secure;
    $mailer->SMTPAutoTLS = $secure !== 'none';
    $user = getenv('WORDPRESS_SMTP_USER');
    if ($user) {
        $mailer->SMTPAuth = true;
        $mailer->Username = $user;
        // The password is a file from the Secret, never an env value.
        $file = getenv('WORDPRESS_SMTP_PASSWORD_FILE');
        $mailer->Password = $file ? rtrim((string) file_get_contents($file), "\r\n") : '';
    }
});
if (getenv('WORDPRESS_SMTP_FROM')) {
    add_filter('wp_mail_from', function () {
        return getenv('WORDPRESS_SMTP_FROM');
    });
}
if (getenv('WORDPRESS_SMTP_FROM_NAME')) {
    add_filter('wp_mail_from_name', function () {
        return getenv('WORDPRESS_SMTP_FROM_NAME');
    });
}
